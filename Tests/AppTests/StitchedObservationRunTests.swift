import Foundation
import Testing
@testable import App
import LFADS
import ModelIO
import Store
import TestSupport

/// `train` and `eval` of a ZIG model stitched over three session files (docs/model.md §14, §18).
@Suite(.serialized)
struct StitchedObservationRunTests {
    /// Three sessions of one Lorenz system seen through calcium-like ZIG events.
    static func zigSessions(_ dir: String) throws {
        try StitchedRunTests.sessions(dir) { spec, _ in spec.useZIG(loc: 0.1) }
    }

    static func config(_ dir: String, extra: String) -> String {
        StitchedRunTests.config("\(dir)/s*.h5", extra: "  recon: zig\n  gamma_loc: 0.1\n" + extra)
    }

    @Test func zigTrainsEverySessionWithPCRInTheFirstChannelBlockAndEvalReproducesIt() throws {
        let dir = TinyConfig.tempDir("app", "stitched-zig")
        try Self.zigSessions(dir)
        #expect(try StitchedRunTests.run(dir, Self.config(dir, extra: "  readin_init: pcr\n  max_epochs: 4")
            .replacingOccurrences(of: "  max_epochs: 6\n", with: "")) == .ok)
        let m = try TrainingEndToEndTests.metrics(dir)
        #expect((m["status"] as? String) == "completed")
        // Per session: the ZIG NLL and R² of the mean, no bits/spike; the run's value their plain mean.
        var nll: [Double] = [], r2: [Double] = []
        for s in 0..<3 {
            nll.append(try #require(m["valid_nll_sess\(s)"] as? Double))
            r2.append(try #require(m["valid_r2_per_neuron_sess\(s)"] as? Double))
            #expect(m["valid_bits_per_spike_sess\(s)"] == nil)
        }
        #expect(m["valid_heldin_nll_sess1"] != nil && m["valid_heldin_nll_sess0"] == nil)
        #expect(abs(try #require(m["valid_nll"] as? Double) - nll.reduce(0, +) / 3) < 1e-12)
        #expect(abs(try #require(m["valid_r2_per_neuron"] as? Double) - r2.reduce(0, +) / 3) < 1e-12)
        #expect(nll.allSatisfy { $0.isFinite } && m["valid_bits_per_spike"] == nil)

        // Layout: readout [F, N_s·3], K_s [2, N_s]; PCR fills channel block 0 only, and frozen read-ins
        // keep it. The read-out trains, so compare the initial parameters SessionInit gives.
        let (hp, _): (Hyperparameters, [Float]) = try ParameterFile.read(dir + "/run/params.h5")
        let layout = ParameterLayout(hp)
        #expect(layout["readout.s2.W"].shape == [6, 48] && layout["zig.s2.scale"].shape == [2, 16])
        let set = try SessionSet.load(["\(dir)/s*.h5"], domain: DataDomain(hp), batchSize: hp.batchSize)
        var w: [String] = []
        let init0 = try SessionInit.parameters(hp, sessions: set, warnings: &w)
        let base: [Float] = Initialization.parameters(hp, seed: UInt64(hp.seed))
        let ads = try PCRReadin.adapters(set.sessions, R: 6, readout: "pinv", warnings: &w)
        for s in 0..<3 {
            let N = hp.sessions[s].neurons, e = layout["readout.s\(s).W"], b = layout["readout.s\(s).b"]
            for f in 0..<6 {
                for j in 0..<(3 * N) {
                    let v = init0[e.offset + f * 3 * N + j]
                    #expect(v == (j < N ? Float(ads[s].readoutW[f * N + j]) : base[e.offset + f * 3 * N + j]), "s\(s) W[\(f),\(j)]")
                }
            }
            for j in 0..<(3 * N) { #expect(init0[b.offset + j] == (j < N ? Float(ads[s].readoutB[j]) : 0)) }
        }

        try StitchedRunTests.expectEvalReproducesRates(dir)
    }

    /// Each session file is checked against the observation model's domain; the error names the file.
    @Test func aSessionOutsideTheDomainIsRefusedNamingTheFile() throws {
        let dir = TinyConfig.tempDir("app", "stitched-zig-bad")
        try Self.zigSessions(dir)
        do {
            _ = try StitchedRunTests.run(dir, Self.config(dir, extra: "").replacingOccurrences(of: "recon: zig", with: "recon: gamma"))
            Issue.record("gamma on ZIG sessions (zeros) must be refused")
        } catch {
            #expect("\(error)".contains("s0.h5") && "\(error)".contains("is not > 0 (recon: gamma"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/params.h5"))
    }
}
