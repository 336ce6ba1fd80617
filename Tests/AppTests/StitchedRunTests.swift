import Foundation
import Testing
@testable import App
import Config
import LFADS
import ModelIO
import Store
import TestSupport

/// `train` and `eval` of a model stitched over three session files (docs/model.md §18).
@Suite(.serialized)
struct StitchedRunTests {
    static func config(_ pattern: String, readinDim: Int = 6, facDim: Int = 6, batchSize: Int = 12, maxEpochs: Int = 6,
                       extra: String = "") -> String {
        StitchedConfig.yaml(sessions: pattern, readinDim: readinDim, facDim: facDim, batchSize: batchSize, maxEpochs: maxEpochs,
                            extra: extra)
    }

    /// Three session files s0–s2 of one Lorenz system (8/12/16 neurons, 2 held out in session 1);
    /// `configure` sets session i's feature options (observation, missing data, inputs).
    static func sessions(_ dir: String, configure: (inout SynthSpec, Int) -> Void = { _, _ in }) throws {
        for i in 0..<3 {
            var spec = SynthSpec(system: .lorenz, seed: 2)
            spec.neurons = 8 + 4 * i; spec.conditions = 6; spec.trialsPerCondition = 5; spec.bins = 15
            spec.session = i
            configure(&spec, i)
            try Synth.generate(spec).write(to: "\(dir)/s\(i).h5", heldout: (i == 1 ? 2 : 0, 0))
        }
    }

    /// Trains `cfg` into DIR/run, replacing an earlier run there.
    static func run(_ dir: String, _ cfg: String) throws -> TrainExit {
        try cfg.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir + "/run"); o.configPath = dir + "/c.yaml"; o.force = true
        return try TrainRun.run(o, log: { _ in })
    }

    /// Session 2's `dataset` rates of DIR/run ([trials, 15, 16]) are finite, positive and what `eval`
    /// of its params.h5 writes.
    static func expectEvalReproducesRates(_ dir: String, dataset: String = "valid_rates", trials: Int = 6) throws {
        let rates = try H5File.open("\(dir)/run/rates_s2.h5").readFloat(dataset)
        #expect(rates.shape == [trials, 15, 16] && rates.values.allSatisfy { $0.isFinite && $0 > 0 })
        try EvalRun.run(params: dir + "/run/params.h5", data: "\(dir)/s*.h5", out: dir + "/ev.h5",
                        posteriorMean: false, samples: nil, force: false, log: { _ in })
        #expect(try H5File.open(dir + "/ev_s2.h5").readFloat(dataset).values == rates.values)
    }

    @Test func trainWritesEverySessionsOutputsAndEvalReproducesThem() throws {
        let dir = TinyConfig.tempDir("app", "stitched")
        try Self.sessions(dir)
        try Self.config("\(dir)/s*.h5").write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir + "/run")
        o.configPath = dir + "/c.yaml"
        #expect(try TrainRun.run(o, log: { _ in }) == .ok)
        let m = try TrainingEndToEndTests.metrics(dir)
        #expect((m["status"] as? String) == "completed")
        var per: [Double] = []
        for s in 0..<3 {
            let v = try #require(m["valid_nll_sess\(s)"] as? Double)
            per.append(v)
            #expect(FileManager.default.fileExists(atPath: "\(dir)/run/rates_s\(s).h5"))
        }
        let overall = try #require(m["valid_nll"] as? Double)
        #expect(abs(overall - per.reduce(0, +) / 3) < 1e-12)
        #expect(m["valid_cobps_sess1"] != nil && m["valid_cobps_sess0"] == nil && m["valid_cobps"] == nil)
        let (hp, _): (Hyperparameters, [Float]) = try ParameterFile.read(dir + "/run/params.h5")
        #expect(hp.sessions == [SessionShape(neurons: 8), SessionShape(neurons: 12, heldout: 2), SessionShape(neurons: 16)])
        try Self.expectEvalReproducesRates(dir)
    }

    /// readin_init: pcr sets the adapters of PCRReadin; the read-ins stay frozen (train_readin 0).
    @Test func pcrInitialisesFrozenReadins() throws {
        let dir = TinyConfig.tempDir("app", "stitched-pcr")
        try Self.sessions(dir)
        try Self.config("\(dir)/s*.h5", maxEpochs: 2, extra: "  readin_init: pcr")
            .write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir + "/run")
        o.configPath = dir + "/c.yaml"
        #expect(try TrainRun.run(o, log: { _ in }) == .ok)
        let (hp, params): (Hyperparameters, [Float]) = try ParameterFile.read(dir + "/run/params.h5")
        let sets = try (0..<3).map { try SpikeDataset.load(path: "\(dir)/s\($0).h5") }
        var w: [String] = []
        let ads = try PCRReadin.adapters(sets, R: 6, readout: "pinv", warnings: &w)
        let layout = ParameterLayout(hp)
        for s in 0..<3 {
            let e = layout["readin.s\(s).W"], b = layout["readin.s\(s).b"]
            #expect(Array(params[e.offset..<(e.offset + e.count)]) == ads[s].readinW.map { Float($0) })
            #expect(Array(params[b.offset..<(b.offset + b.count)]) == ads[s].readinB.map { Float($0) })
        }
    }

    @Test func badSessionInputIsOneErrorNamingTheProblem() throws {
        let dir = TinyConfig.tempDir("app", "stitched-bad")
        try Self.sessions(dir)
        func run(_ cfg: String) -> String {
            do {
                try cfg.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
                var o = RunOptions(outDir: dir + "/run"); o.configPath = dir + "/c.yaml"; o.force = true
                _ = try TrainRun.run(o, log: { _ in })
                return ""
            } catch { return "\(error)" }
        }
        #expect(run(Self.config("\(dir)/s*.h5", readinDim: 0))
            .contains("data.sessions needs hps.readin_dim"))
        #expect(run(Self.config("\(dir)/s*.h5", batchSize: 2))
            .contains("B_s = 0"))
        #expect(run(Self.config("\(dir)/none*.h5")).contains("matches no file"))
        // A previous run's results survive a --force run whose sessions are refused.
        try FileManager.default.createDirectory(atPath: dir + "/run", withIntermediateDirectories: true)
        try "kept".write(toFile: dir + "/run/metrics.json", atomically: true, encoding: .utf8)
        #expect(run(Self.config("\(dir)/none*.h5")).contains("matches no file"))
        #expect(FileManager.default.fileExists(atPath: dir + "/run/metrics.json"))
        #expect(run(Self.config("\(dir)/s*.h5", facDim: 5, extra: "  readin_init: pcr"))
            .contains("pcr needs readin_dim = fac_dim, got 6 and 5"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/params.h5"))
    }
}
