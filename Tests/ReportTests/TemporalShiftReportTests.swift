import Foundation
import Testing
@testable import App
@testable import Report
@testable import SearchRunner
import Store
import TestSupport

/// A search with temporal-shift augmentation (docs/model.md §17) end to end, searching the shift's
/// width, and `report` on it.
struct TemporalShiftReportTests {
    static let config = TinyConfig.yaml(maxEpochs: 6, posteriorSamples: 3, rampEpochs: 3)
        .replacingOccurrences(of: "bins: 25}", with: "bins: 25, time_jitter: 1.5}")
        .replacingOccurrences(of: "hps:\n", with: "hps:\n  temporal_shift_max: 3\n")
        + TinyConfig.randomSearch(seed: 5, trialsPerSize: 1)
        + "\n    temporal_shift_std: {dist: uniform, min: 0.5, max: 2.5}\n"

    @Test func shiftedSearchRunsAndReports() throws {
        let dir = SearchFixture.base + "/tshift"
        let cfg = dir + ".yaml"
        try Self.config.write(toFile: cfg, atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir)
        o.configPath = cfg
        #expect(try SearchRun.run(o, log: { _ in }) == .ok)
        let f = try H5File.open(dir + "/results.h5")
        let namesJSON = try #require(try f.stringAttribute("metric_names_json"))
        let names = try #require(try JSONSerialization.jsonObject(with: Data(namesJSON.utf8)) as? [String])
        let m = try f.readDouble("trials/metrics")
        let c = try #require(names.firstIndex(of: "valid_r2_per_neuron"))
        #expect((0..<m.shape[0]).allSatisfy { m.values[$0 * m.shape[1] + c].isFinite })
        let hps = try #require(try H5File.open(dir + "/best/size0/params.h5").stringAttribute("hps"))
        #expect(hps.contains("\"temporal_shift_max\": 3") && hps.contains("temporal_shift_std"))
        let out = SearchFixture.tempDir("tshift")
        _ = try ReportBuilder.run(inputs: [dir], outDir: out, log: { _ in })
        #expect(FileManager.default.fileExists(atPath: out + "/index.html"))
    }
}
