import Foundation
import Testing
@testable import App
import LFADS
import ModelIO
@testable import SearchRunner
import Store
import TestSupport

/// External inputs (docs/model.md §16) end to end: `train` on synthetic data with input pulses,
/// its outputs and `eval`, which needs the file's ext inputs (the search and report: ReportTests).
@Suite(.serialized)
struct ExtInputRunTests {
    static let config = TinyConfig.yaml(maxEpochs: 6, posteriorSamples: 3, rampEpochs: 3)
        .replacingOccurrences(of: "bins: 25}", with: "bins: 25, ext_pulse: 10}")
        .replacingOccurrences(of: "hps:\n", with: "hps:\n  ext_input_dim: 1\n")

    func train(_ dir: String, _ config: String = Self.config) throws -> TrainExit {
        try config.write(toFile: dir + ".yaml", atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir + "/run")
        o.configPath = dir + ".yaml"
        return try TrainRun.run(o, log: { _ in })
    }

    @Test func trainWritesGenInputsAndEvalReproducesItFromTheFilesInputs() throws {
        let dir = TinyConfig.tempDir("app", "ext-train")
        #expect(try train(dir) == .ok)
        let (hp, params): (Hyperparameters, [Float]) = try ParameterFile.read(dir + "/run/params.h5")
        #expect(hp.extInputDim == 1 && ParameterLayout(hp)["gen.W_x"].shape == [2, 72])
        let w = ParameterLayout(hp)["gen.W_x"]
        #expect(params[(w.offset + 72)..<(w.offset + 144)].contains { $0 != 0 })

        let out = try H5File.open(dir + "/run/rates.h5")
        let gi = try out.readFloat("valid_gen_inputs"), co = try out.readFloat("valid_controller_outputs").values
        #expect(gi.shape == [16, 25, 2])
        let ext = try H5File.open(dir + "/run/data.h5").readFloat("valid_ext_input").values
        for i in 0..<(16 * 25) {
            #expect(gi.values[2 * i + 1] == ext[i], "the ext column is the data's input")
            #expect(abs(gi.values[2 * i] - co[i]) <= 1e-6 * max(1, abs(co[i])), "the u column is the controller output")
        }
        let rates = try out.readFloat("valid_rates").values
        try EvalRun.run(params: dir + "/run/params.h5", data: dir + "/run/data.h5", out: dir + "/eval.h5",
                        posteriorMean: false, samples: nil, force: false, log: { _ in })
        #expect(try H5File.open(dir + "/eval.h5").readFloat("valid_rates").values == rates)

        // The inputs matter: eval on the same data with the pulses moved gives other rates.
        let moved = dir + "/moved.h5"
        try FileManager.default.copyItem(atPath: dir + "/run/data.h5", toPath: moved)
        try Self.shiftPulses(moved)
        try EvalRun.run(params: dir + "/run/params.h5", data: moved, out: dir + "/eval-moved.h5",
                        posteriorMean: false, samples: nil, force: false, log: { _ in })
        #expect(try H5File.open(dir + "/eval-moved.h5").readFloat("valid_rates").values != rates)
    }

    /// Rewrites valid_ext_input with every pulse one bin later (the file is otherwise unchanged).
    static func shiftPulses(_ path: String) throws {
        let f = try H5File.open(path, writable: true)
        let e = try f.readFloat("valid_ext_input")
        var moved = [Float](repeating: 0, count: e.values.count)
        let T = e.shape[1]
        for i in e.values.indices where e.values[i] != 0 && (i % T) + 1 < T { moved[i + 1] = e.values[i] }
        try f.write("valid_ext_input", shape: e.shape, floats: moved, replace: true)
        try f.close()
    }

    @Test func evalOfAnExtModelOnAFileWithoutInputsIsAnErrorNamingTheDataset() throws {
        let dir = TinyConfig.tempDir("app", "ext-noinput")
        #expect(try train(dir, Self.config.replacingOccurrences(of: "max_epochs: 6", with: "max_epochs: 1")) == .ok)
        let plain = dir + "/plain.h5"
        var spec = try DataSourceLoader.synthSpec(system: "lorenz", options: ["seed": .int(2), "neurons": .int(12),
                                                                               "conditions": .int(8), "trials_per_condition": .int(10), "bins": .int(25)])
        spec.extPulse = nil
        try Synth.generate(spec).write(to: plain)
        #expect { try EvalRun.run(params: dir + "/run/params.h5", data: plain, out: dir + "/e.h5", posteriorMean: false,
                                  samples: nil, force: false, log: { _ in }) } throws: {
            "\($0)".contains("required dataset 'train_ext_input' not found (ext_input_dim is 1)")
        }
    }

    /// A search's dataset-size subsets carry each trial's own inputs (SearchWorker.data).
    @Test func subsetsKeepEachTrialsInputs() throws {
        let (T, N, E, K) = (4, 3, 2, 10)
        var d = SpikeDataset(path: "mem", T: T, N: N, trainCounts: [Float](repeating: 1, count: K * T * N),
                             validCounts: [Float](repeating: 1, count: 4 * T * N))
        // Input value = 100·position + 10·t + j, so a misplaced trial shows.
        func ext(_ k: Int) -> [Float] { (0..<(k * T * E)).map { i in Float(100 * (i / (T * E)) + 10 * (i / E % T) + i % E) } }
        d.trainExt = ext(K); d.validExt = ext(4); d.extDim = E; d.extBins = T
        let w = SearchWorker(dataset: d, sizes: [K, 5], seed: 3, subsampleValid: true)
        let (tr, va) = w.positions(size: 1)
        let sub = w.data(size: 1)
        #expect(tr.count == 5 && sub.train.ext?.count == 5 * T * E)
        for (row, pos) in tr.enumerated() {
            for i in 0..<(T * E) { #expect(sub.train.ext?[row * T * E + i] == d.trainExt![pos * T * E + i]) }
        }
        for (row, pos) in va.enumerated() {
            for i in 0..<(T * E) { #expect(sub.valid.ext?[row * T * E + i] == d.validExt![pos * T * E + i]) }
        }
        #expect(w.fullValid.ext == d.validExt)
    }
}
