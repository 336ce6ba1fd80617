import Foundation
import Testing
@testable import App
import ModelIO
@testable import Report
@testable import SearchRunner
import Store
import TestSupport

/// A search over a stitched model with another observation model and missing data (docs/search.md
/// §8, docs/model.md §18): per-session R² of the mean whose unweighted mean is the overall number,
/// no bits/spike (a Poisson metric), `eval` of a selected model reproducing its row, and the report.
@Suite(.serialized)
struct StitchedFeatureSearchTests {
    /// StitchedSearchReportTests' three sessions, as calcium-like ZIG events with 20 % missing.
    static func zigSessions(_ dir: String) throws {
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for i in 0..<3 {
            var spec = SynthSpec(system: .lorenz, seed: 2)
            spec.neurons = 8 + 4 * i; spec.conditions = 6; spec.trialsPerCondition = 4 + i
            spec.bins = 15; spec.session = i
            spec.useZIG(); spec.missingFraction = 0.2
            try Synth.generate(spec).write(to: "\(dir)/s\(i).h5")
        }
    }

    @Test func aZIGSearchWithMissingDataScoresEverySessionByR2() throws {
        let data = SearchFixture.base + "/stitched-zig-data"
        try Self.zigSessions(data)
        let yaml = StitchedSearchReportTests.config("\(data)/s*.h5", search: StitchedSearchReportTests.random)
            .replacingOccurrences(of: "  readin_init: pcr\n", with: "  readin_init: pcr\n  recon: zig\n  gamma_loc: 0.1\n  sbtt: 1\n")
        #expect(yaml.contains("recon: zig"))
        let (dir, exit) = try SearchFixture.runSearch(yaml, name: "stitched-zig")
        #expect(exit == .ok)
        let f = try H5File.open(dir + "/results.h5")
        let status = try f.readInt64("trials/status").values
        #expect(status.allSatisfy { $0 == 2 }, "\(status)")
        for name in ["valid_rate_nll", "valid_r2_per_neuron", "valid_r2_pooled"] {
            let overall = try SearchFixture.metricColumn(f, name)
            let per = try (0..<3).map { try SearchFixture.metricColumn(f, "\(name)_sess\($0)") }
            for r in overall.indices {
                let mean = (per[0][r] + per[1][r] + per[2][r]) / 3
                #expect(per.allSatisfy { $0[r].isFinite } && abs(overall[r] - mean) <= 1e-12 * abs(mean), "\(name) row \(r)")
            }
        }
        #expect(try SearchFixture.metricColumn(f, "valid_bits_per_spike_sess0").allSatisfy(\.isNaN))
        // eval of the full size's selected model gives its row's per-session R² (missing entries skipped).
        let row = Int(try #require(try f.int64Attribute("row", on: "best/size0")))
        let out = SearchFixture.base + "/stitched-zig-eval.h5"
        try EvalRun.run(params: "\(dir)/best/size0/params.h5", data: "\(data)/s*.h5", out: out,
                        posteriorMean: false, samples: nil, force: true, log: { _ in })
        for s in 0..<3 {
            let em = try StitchedSearchReportTests.metrics(SearchFixture.base + "/stitched-zig-eval_s\(s).h5")
            let e = try #require(em["valid_r2_per_neuron_sess\(s)"] as? Double)
            let v = try SearchFixture.metricColumn(f, "valid_r2_per_neuron_sess\(s)")[row]
            #expect(abs(e - v) <= 1e-10 * max(abs(v), 1e-3), "session \(s): eval \(e) vs row \(v)")
        }
        let summary = try ReportBuilder.run(inputs: [dir], outDir: SearchFixture.base + "/stitched-zig-report", log: { _ in })
        #expect(summary.files.contains("best_by_session.csv") && summary.bestRows > 0)
    }
}
