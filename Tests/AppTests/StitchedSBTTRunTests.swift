import Foundation
import Testing
@testable import App
import LFADS
import ModelIO
import Store
import TestSupport

/// `train` and `eval` of a model stitched over session files with missing entries (docs/model.md §15, §18).
@Suite(.serialized)
struct StitchedSBTTRunTests {
    static func sessions(_ dir: String, missing: Double) throws {
        try StitchedRunTests.sessions(dir) { spec, _ in spec.missingFraction = missing }
    }

    @Test func sbttTrainsEverySessionAndEvalReproducesIt() throws {
        let dir = TinyConfig.tempDir("app", "stitched-sbtt")
        try Self.sessions(dir, missing: 0.3)
        let x = try SpikeDataset.load(path: dir + "/s0.h5", missing: true).trainCounts
        #expect(x.contains { $0.isNaN })
        #expect(try StitchedRunTests.run(dir, StitchedRunTests.config("\(dir)/s*.h5", extra: "  sbtt: 1\n  max_epochs: 3")
            .replacingOccurrences(of: "  max_epochs: 6\n", with: "")) == .ok)
        let m = try TrainingEndToEndTests.metrics(dir)
        #expect((m["status"] as? String) == "completed")
        var nll: [Double] = []
        for s in 0..<3 {
            nll.append(try #require(m["valid_nll_sess\(s)"] as? Double))
            #expect((m["valid_bits_per_spike_sess\(s)"] as? Double)?.isFinite == true)
            #expect((m["valid_r2_per_neuron_sess\(s)"] as? Double)?.isFinite == true)
        }
        #expect(nll.allSatisfy { $0.isFinite && $0 > 0 })
        #expect(abs(try #require(m["valid_nll"] as? Double) - nll.reduce(0, +) / 3) < 1e-12)
        let h = try String(contentsOfFile: dir + "/run/history.csv", encoding: .utf8)
        #expect(!h.lowercased().contains("nan"), "\(h)")
        // Rates everywhere, missing entries included.
        try StitchedRunTests.expectEvalReproducesRates(dir, dataset: "train_rates", trials: 24)
    }

    /// Without `sbtt: 1` a session file with NaN is refused naming the file.
    @Test func missingEntriesWithoutSBTTAreRefusedNamingTheFile() throws {
        let dir = TinyConfig.tempDir("app", "stitched-sbtt-off")
        try Self.sessions(dir, missing: 0.3)
        do {
            _ = try StitchedRunTests.run(dir, StitchedRunTests.config("\(dir)/s*.h5"))
            Issue.record("NaN without sbtt must be refused")
        } catch {
            #expect("\(error)".contains("s0.h5") && "\(error)".contains("needs sbtt: 1"), "\(error)")
        }
    }
}
