import Foundation
import Testing
@testable import App
@testable import Report
@testable import SearchRunner
import Store
import TestSupport

/// A search with external inputs (docs/model.md §16) on synthetic pulse data, and its report.
struct ExtInputReportTests {
    static let config = TinyConfig.yaml(maxEpochs: 6, posteriorSamples: 3, rampEpochs: 3)
        .replacingOccurrences(of: "bins: 25}", with: "bins: 25, ext_pulse: 10}")
        .replacingOccurrences(of: "hps:\n", with: "hps:\n  ext_input_dim: 1\n")
        + TinyConfig.randomSearch(seed: 5, trialsPerSize: 1)

    @Test func searchWithExtInputsRunsAndReports() throws {
        let (dir, exit) = try SearchFixture.runSearch(Self.config, name: "ext")
        #expect(exit == .ok)
        let hps = try H5File.open(dir + "/best/size1/params.h5").stringAttribute("hps")
        #expect(hps?.contains("\"ext_input_dim\": 1") == true)
        let out = SearchFixture.tempDir("ext-report")
        _ = try ReportBuilder.run(inputs: [dir], outDir: out, log: { _ in })
        #expect(FileManager.default.fileExists(atPath: out + "/index.html"))
    }

    @Test func searchingExtInputDimIsRefused() throws {
        let config = Self.config.replacingOccurrences(of: "    dropout_rate: {dist: uniform, min: 0.0, max: 0.2}",
                                                      with: "    ext_input_dim: {dist: choice, values: [0, 1]}")
        #expect { _ = try SearchFixture.runSearch(config, name: "ext-refused") } throws: {
            "\($0)".contains("search.space.ext_input_dim cannot be searched")
        }
    }
}
