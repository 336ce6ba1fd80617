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
        let (dir, exit) = try SearchFixture.runSearch(Self.config, name: "tshift")
        #expect(exit == .ok)
        let f = try H5File.open(dir + "/results.h5")
        #expect(try SearchFixture.metricColumn(f, "valid_r2_per_neuron").allSatisfy(\.isFinite))
        let hps = try #require(try H5File.open(dir + "/best/size0/params.h5").stringAttribute("hps"))
        #expect(hps.contains("\"temporal_shift_max\": 3") && hps.contains("temporal_shift_std"))
        let out = SearchFixture.tempDir("tshift")
        _ = try ReportBuilder.run(inputs: [dir], outDir: out, log: { _ in })
        #expect(FileManager.default.fileExists(atPath: out + "/index.html"))
    }
}
