import Foundation
import Testing
@testable import App
@testable import Report
@testable import SearchRunner
import Store
import TestSupport

/// A search with the ZIG observation model (docs/model.md §14) end to end: its rows carry the
/// model's NLL and R² of the mean, no Poisson rate metric, and `report` reads them.
struct ObservationModelReportTests {
    static let zigConfig = TinyConfig.yaml(maxEpochs: 6, posteriorSamples: 3, rampEpochs: 3)
        .replacingOccurrences(of: "bins: 25}", with: "bins: 25, observation: zig}")
        .replacingOccurrences(of: "hps:\n", with: "hps:\n  recon: zig\n")
        + TinyConfig.randomSearch(seed: 5, trialsPerSize: 1)

    @Test func zigSearchRecordsItsNLLAndReportsIt() throws {
        let (dir, exit) = try SearchFixture.runSearch(Self.zigConfig, name: "zig")
        #expect(exit == .ok)

        let f = try H5File.open(dir + "/results.h5")
        func column(_ name: String) throws -> [Double] { try SearchFixture.metricColumn(f, name) }
        #expect(try column("valid_nll").allSatisfy(\.isFinite))
        #expect(try column("valid_rate_nll").allSatisfy(\.isFinite), "the ZIG model's own NLL")
        #expect(try column("valid_r2_per_neuron").allSatisfy(\.isFinite))
        #expect(try column("valid_bits_per_spike").allSatisfy(\.isNaN), "bits/spike is Poisson only")
        let hps = try H5File.open(dir + "/best/size0/params.h5").stringAttribute("hps")
        #expect(hps?.contains("\"recon\": \"zig\"") == true)

        let out = SearchFixture.tempDir("zig")
        _ = try ReportBuilder.run(inputs: [dir], outDir: out, log: { _ in })
        #expect(FileManager.default.fileExists(atPath: out + "/index.html"))
    }

    @Test func coBPSSelectionAndSearchingTheDomainAreRefused() throws {
        for (extra, message) in [("select_by: valid_cobps", "select_by valid_cobps needs recon: poisson"),
                                 ("space:\n    gamma_loc: {dist: uniform, min: 0.05, max: 0.2}", "search.space.gamma_loc cannot be searched")] {
            let config = TinyConfig.yaml().replacingOccurrences(of: "hps:\n", with: "hps:\n  recon: gaussian\n  heldout_neurons: 2\n")
                + "search:\n  method: random\n  sizes: [1.0]\n  trials_per_size: 1\n  \(extra)\n"
            #expect { _ = try SearchFixture.runSearch(config, name: "refused-\(message.count)") } throws: { "\($0)".contains(message) }
        }
    }
}
