import Foundation
import Testing
@testable import App
@testable import SearchRunner
import Config
import LFADS
import ModelIO
import Store
import TestSupport
import Training

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
        let heldIn = try #require(m["valid_heldin_nll"] as? Double), all = try #require(m["valid_nll"] as? Double)
        #expect(heldIn.isFinite && heldIn != all)
        let (hp, _): (Hyperparameters, [Float]) = try ParameterFile.read(dir + "/run/params.h5")
        #expect(hp.heldoutNeurons == 3 && hp.forwardBins == 5)
        let psth = try #require(m["valid_psth_r2"] as? Double)
        #expect(psth > 0.3, "PSTH R² \(psth): the tiny set has conditions and truth")
        let saved = try String(contentsOfFile: dir + "/run/config.yaml", encoding: .utf8)
        #expect(saved.contains("heldout_neurons: 3") && saved.contains("forward_bins: 5"))
        let rates = try H5File.open(dir + "/run/rates.h5")
        #expect(try rates.info("valid_rates").shape == [16, 25, 12], "rates cover held-out neurons and forward bins")

        // eval takes the layout from the model and reproduces train's metrics bit for bit.
        try EvalRun.run(params: dir + "/run/params.h5", data: data, out: dir + "/eval.h5",
                        posteriorMean: false, samples: nil, force: false, log: { _ in })
        let evalJSON = try #require(try H5File.open(dir + "/eval.h5").stringAttribute("metrics_json"))
        let evalMetrics = try E2E.metrics(json: Data(evalJSON.utf8))
        #expect(evalMetrics.count > 10)
        for (key, value) in evalMetrics {
            #expect(value as? Double == m[key] as? Double, "eval's \(key) differs from train's")
        }
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

    @Test func aSearchSelectsByCoBPSOnEachSizesValidationTrials() throws {
        let dir = E2E.tempDir("cobpssearch")
        let data = try Self.markedData(dir)
        let config = Self.config(data: data).replacingOccurrences(of: "max_epochs: 40", with: "max_epochs: 6")
            + TinyConfig.randomSearch(seed: 1, sizes: "[1.0, 0.5]", selectBy: "valid_cobps")
        let cfg = dir + "/search.yaml"
        try config.write(toFile: cfg, atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir + "/run")
        o.configPath = cfg
        var lines: [String] = []
        #expect(try SearchRun.run(o, log: { lines.append($0) }) == .ok)
        let f = try H5File.open(dir + "/run/results.h5")
        let names = try JSONDecoder().decode([String].self, from: Data(try #require(try f.stringAttribute("metric_names_json")).utf8))
        let metrics = try f.readDouble("trials/metrics")
        func column(_ name: String) throws -> [Double] {
            let c = try #require(names.firstIndex(of: name), "no column \(name)")
            return (0..<metrics.shape[0]).map { metrics.values[$0 * metrics.shape[1] + c] }
        }
        let full = try column("valid_cobps"), subset = try column("subset_valid_cobps"), fp = try column("valid_fpbps")
        let sizeIndex = try f.readDouble("trials/size_index").values.map(Int.init)
        let fitness = try f.readDouble("trials/fitness").values
        #expect(full.count == 4 && full.allSatisfy(\.isFinite) && subset.allSatisfy(\.isFinite) && fp.allSatisfy(\.isFinite))
        for k in full.indices {
            // Fitness is −co-bps on the size's own validation trials (lower is better).
            #expect(fitness[k] == -subset[k])
            // Size 0 validates on every valid trial; size 1 on about half of them.
            if sizeIndex[k] == 0 { #expect(subset[k] == full[k]) } else { #expect(subset[k] != full[k]) }
        }
        // The closing lines name each selected row with its co-bps as reported (not the negated
        // fitness), and no R² where the data have no truth for it.
        let selected = lines.filter { $0.hasPrefix("size ") && $0.contains("selected row") }
        #expect(selected.count == 2)
        for line in selected {
            let words = line.split(separator: " ")
            let row = try #require(words.count > 4 ? Int(words[4]) : nil, "\(line)")
            #expect(line.contains(String(format: "(valid_cobps %.5f)", full[row])), "\(line)")
        }
    }

    /// Trains the tiny model on data whose valid split is changed by `change` (at hidden or visible
    /// elements) and returns its history and final parameters.
    static func trainWithValidCounts(_ data: String, change: (inout [Float], _ t: Int, _ n: Int) -> Bool)
        throws -> (history: [[Double]], params: [Float]) {
        let d = try SpikeDataset.load(path: data)
        var valid = d.validCounts
        for i in valid.indices where change(&valid, (i / d.N) % d.T, i % d.N) { valid[i] += 5 }
        var hp = try RunConfig.parse(Self.config(data: data), origin: "test").hps
        hp.dataDim = d.N; hp.seqLen = d.T; hp.heldoutNeurons = d.heldoutNeurons; hp.forwardBins = d.forwardBins
        hp.maxEpochs = 6; hp.klIncreaseEpoch = 1; hp.l2IncreaseEpoch = 1; hp.lrSchedule = "plateau"; hp.lrPatience = 1
        let td = TrainingData(train: SplitData(counts: d.trainCounts, trials: d.trainCount, inds: d.trainInds, splitID: 0),
                              valid: SplitData(counts: valid, trials: d.validCount, inds: d.validInds, splitID: 1), T: d.T, N: d.N)
        var state = TrainerState(hp: hp, params: Initialization.parameters(hp, seed: 0))
        try Trainer(hp: hp, data: td).run(&state)
        // Every column but the wall-clock ones.
        let timing = Set(["trials_per_second", "seconds"].compactMap { EpochRecord.columns.firstIndex(of: $0) })
        let history = state.history.map { r in r.values.enumerated().filter { !timing.contains($0.offset) }.map(\.element) }
        return (history, state.bestParams ?? state.params)
    }

    @Test func validationSelectionAndScheduleIgnoreHeldOutValidData() throws {
        let dir = E2E.tempDir("validblind")
        let data = try Self.markedData(dir)
        let hiddenCols = 12 - 3, observedBins = 25 - 5
        let base = try Self.trainWithValidCounts(data) { _, _, _ in false }
        let hidden = try Self.trainWithValidCounts(data) { _, t, n in t >= observedBins || n >= hiddenCols }
        // Valid NLL, its smoothing, the best epoch, the plateau LR and the parameters: bit for bit.
        #expect(base.history.map { $0.map(\.bitPattern) } == hidden.history.map { $0.map(\.bitPattern) })
        #expect(base.params.map(\.bitPattern) == hidden.params.map(\.bitPattern))
        // The same change to visible valid elements does show.
        let visible = try Self.trainWithValidCounts(data) { _, t, n in t < observedBins && n < hiddenCols }
        #expect(base.history.map { $0.map(\.bitPattern) } != visible.history.map { $0.map(\.bitPattern) })
    }

    @Test func resumeRefusesAChangedLayoutAndEvalNamesTheModel() throws {
        let dir = E2E.tempDir("layoutchange")
        #expect(try E2E.train(dir, overrides: ["heldout_neurons=2", "max_epochs=4"], stopAfter: 2) == .interrupted)
        #expect { _ = try E2E.train(dir, overrides: ["heldout_neurons=0"], resume: true) } throws: {
            "\($0)".contains("the checkpoint was trained with heldout_neurons = 2, the resumed run has 0")
        }
        #expect(try E2E.train(dir, resume: true) == .ok)
        let data = try Self.markedData(dir)
        #expect {
            try EvalRun.run(params: dir + "/run/params.h5", data: data, out: dir + "/eval.h5",
                            posteriorMean: false, samples: nil, force: false, log: { _ in })
        } throws: {
            "\($0)" == "\(data) marks heldout_neurons = 3, but the model in \(dir)/run/params.h5 was trained with heldout_neurons = 2"
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/eval.h5"))
    }
}
