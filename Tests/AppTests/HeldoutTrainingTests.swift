import Foundation
import Testing
@testable import App
import LFADS
import ModelIO
import Store
import TestSupport

/// NLB-style held-out neurons and forward bins through `spikesae train`, `eval` and `search`:
/// the layout comes from the file or the config, the encoder sees held-in input only, and co-bps /
/// fp-bps score what it never saw.
@Suite(.serialized)
struct HeldoutTrainingTests {
    typealias E2E = TrainingEndToEndTests

    /// The tiny synthetic set with the file's root attributes heldout_neurons = 3, forward_bins = 5.
    static func markedData(_ dir: String) throws -> String {
        let path = dir + "/marked.h5"
        var s = SynthSpec(system: .lorenz, seed: 2)
        s.neurons = 12; s.conditions = 8; s.trialsPerCondition = 10; s.bins = 25
        try Synth.generate(s).write(to: path, heldout: (3, 5))
        return path
    }

    static func config(data: String, extraHps: String = "") -> String {
        TinyConfig.yaml().replacingOccurrences(
            of: "  synth: {system: lorenz, seed: 2, neurons: 12, conditions: 8, trials_per_condition: 10, bins: 25}",
            with: "  file: \(data)") + extraHps
    }

    @Test func heldOutNeuronsArePredictedFromHeldInInput() throws {
        let dir = E2E.tempDir("heldout")
        let data = try Self.markedData(dir)
        #expect(try E2E.train(dir, config: Self.config(data: data)) == .ok)
        let m = try E2E.metrics(dir)
        let cobps = try #require(m["valid_cobps"] as? Double), fpbps = try #require(m["valid_fpbps"] as? Double)
        // Above a per-neuron mean-rate null: the held-out neurons' rates come from latents that only
        // held-in input could have revealed.
        #expect(cobps > 0.05, "co-bps \(cobps)")
        #expect(fpbps.isFinite, "fp-bps \(fpbps)")
        let (hp, _): (Hyperparameters, [Float]) = try ParameterFile.read(dir + "/run/params.h5")
        #expect(hp.heldoutNeurons == 3 && hp.forwardBins == 5)
        let saved = try String(contentsOfFile: dir + "/run/config.yaml", encoding: .utf8)
        #expect(saved.contains("heldout_neurons: 3") && saved.contains("forward_bins: 5"))
        let rates = try H5File.open(dir + "/run/rates.h5")
        #expect(try rates.info("valid_rates").shape == [16, 25, 12], "rates cover held-out neurons and forward bins")

        // eval takes the layout from the model and reproduces train's co-bps.
        try EvalRun.run(params: dir + "/run/params.h5", data: data, out: dir + "/eval.h5",
                        posteriorMean: false, samples: nil, force: false, log: { _ in })
        let evalMetrics = try #require(try H5File.open(dir + "/eval.h5").stringAttribute("metrics_json"))
        #expect(evalMetrics.contains("\"valid_cobps\": \(cobps)"))
    }

    @Test func configAndFileMustAgreeOnTheLayout() throws {
        let dir = E2E.tempDir("conflict")
        let data = try Self.markedData(dir)
        #expect { _ = try E2E.train(dir, config: Self.config(data: data, extraHps: "  heldout_neurons: 4\n")) } throws: {
            "\($0)" == "\(data): config heldout_neurons 4 conflicts with the file's root attribute heldout_neurons 3"
        }
        #expect { _ = try E2E.train(dir, config: Self.config(data: data), overrides: ["forward_bins=2"], force: true) } throws: {
            "\($0)" == "\(data): config forward_bins 2 conflicts with the file's root attribute forward_bins 5"
        }
        #expect { _ = try E2E.train(dir, overrides: ["heldout_neurons=12"], force: true) } throws: {
            "\($0)".contains("heldout_neurons 12 leaves no held-in neuron (N = 12)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/params.h5"))
    }

    @Test func theConfigCanHoldOutNeuronsOfAnUnmarkedFile() throws {
        let dir = E2E.tempDir("cfgheldout")
        #expect(try E2E.train(dir, overrides: ["heldout_neurons=2", "max_epochs=3"]) == .ok)
        let m = try E2E.metrics(dir)
        #expect(m["valid_cobps"] is Double)
        #expect(m["valid_fpbps"] == nil, "no forward bins, no fp-bps")
    }

    @Test func aSearchSelectsByCoBPS() throws {
        let dir = E2E.tempDir("cobpssearch")
        let data = try Self.markedData(dir)
        let config = Self.config(data: data).replacingOccurrences(of: "max_epochs: 40", with: "max_epochs: 6")
            + TinyConfig.randomSearch(seed: 1, sizes: "[1.0]", selectBy: "valid_cobps")
        let cfg = dir + "/search.yaml"
        try config.write(toFile: cfg, atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir + "/run")
        o.configPath = cfg
        #expect(try SearchRun.run(o, log: { _ in }) == .ok)
        let f = try H5File.open(dir + "/run/results.h5")
        let names = try #require(try f.stringAttribute("metric_names_json"))
        #expect(names.contains("\"valid_cobps\"") && names.contains("\"valid_fpbps\""))
        let metrics = try f.readDouble("trials/metrics")
        let col = try #require(try JSONDecoder().decode([String].self, from: Data(names.utf8)).firstIndex(of: "valid_cobps"))
        let width = metrics.shape[1]
        let cobps = (0..<metrics.shape[0]).map { metrics.values[$0 * width + col] }
        #expect(cobps.count == 2 && cobps.allSatisfy(\.isFinite), "\(cobps)")
        let fitness = try f.readDouble("trials/fitness").values
        #expect(fitness.min() == -cobps.max()!, "fitness is −co-bps (lower is better): \(fitness) vs \(cobps)")
    }
}
