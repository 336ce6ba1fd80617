import Foundation
import Testing
import Store
import ModelIO
@testable import App
@testable import NLB

/// The four NLB scores of the fixture's fixed submission, computed by SpikeSAE on the file
/// `prepare nwb` made, equal what nlb_tools' `evaluate` stored beside it.
struct NLBScoreTests {
    let dir: ScratchDirectory
    init() throws { dir = try ScratchDirectory() }

    /// The submission's rates as [K, 180, 30] (held-in | held-out, observed | forward); the
    /// submission has no forward rates for train trials, which no score reads, so those are 1.
    static func submissionRates(train: Bool) throws -> [Float] {
        let f = try H5File.open(try NLBFixture.reference)
        defer { try? f.close() }
        let g = "/submission/mc_maze/", s = train ? "train" : "eval", K = train ? 91 : 29
        let hi = try f.readFloat(g + s + "_rates_heldin").values, ho = try f.readFloat(g + s + "_rates_heldout").values
        let fhi = train ? nil : try f.readFloat(g + "eval_rates_heldin_forward").values
        let fho = train ? nil : try f.readFloat(g + "eval_rates_heldout_forward").values
        var out: [Float] = []
        for k in 0..<K {
            for t in 0..<140 {
                out += hi[((k * 140 + t) * 22)..<((k * 140 + t + 1) * 22)]
                out += ho[((k * 140 + t) * 8)..<((k * 140 + t + 1) * 8)]
            }
            for t in 0..<40 {
                if let fhi, let fho {
                    out += fhi[((k * 40 + t) * 22)..<((k * 40 + t + 1) * 22)]
                    out += fho[((k * 40 + t) * 8)..<((k * 40 + t + 1) * 8)]
                } else { out += [Float](repeating: 1, count: 30) }
            }
        }
        return out
    }

    static func referenceScore(_ name: String) throws -> Double {
        let f = try H5File.open(try NLBFixture.reference)
        defer { try? f.close() }
        return try #require(try f.doubleAttribute(name, on: "/submission/mc_maze"))
    }

    @Test func fourScoresEqualNLBTools() throws {
        let out = dir.file("maze.h5")
        _ = try PrepareNWB.run(nwb: try NLBFixture.nwb, preset: .mcMaze, out: out, command: "test")
        let d = try SpikeDataset.load(path: out)
        #expect(d.heldoutNeurons == 8 && d.forwardBins == 40 && d.behaviorDim == 2 && d.psthConditions == 8)
        let train = try Self.submissionRates(train: true), valid = try Self.submissionRates(train: false)
        let m = Outputs.heldoutMetrics(validRates: valid, dataset: d)
            .merging(Outputs.nlbMetrics(trainRates: train, validRates: valid, dataset: d)) { a, _ in a }
        let checks: [(String, String, Double)] = [("valid_cobps", "co-bps", 1e-4), ("valid_fpbps", "fp-bps", 1e-4),
                                                  ("valid_vel_r2", "vel R2", 1e-3), ("valid_psth_r2", "psth R2", 1e-3)]
        for (mine, theirs, tolerance) in checks {
            let ours = try #require(m[mine]), reference = try Self.referenceScore(theirs)
            #expect(abs(ours - reference) <= tolerance, "\(mine) \(ours) vs nlb_tools \(theirs) \(reference)")
        }
    }
}
