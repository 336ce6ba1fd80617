import Foundation
import Testing
@testable import App
import LFADS
import ModelIO
import Store
import TestSupport

/// `train` and `eval` with a non-Poisson observation model (docs/model.md §14) on the tiny
/// synthetic set seen through calcium-like ZIG events (docs/data.md §3).
@Suite(.serialized)
struct ObservationModelRunTests {
    static let zig = ["recon=zig", "data.synth.observation=zig"]

    @Test func zigTrainsWritesItsParametersAndEvalReproducesIt() throws {
        let dir = TinyConfig.tempDir("app", "zig")
        #expect(try TrainingEndToEndTests.train(dir, overrides: Self.zig + ["max_epochs=30"]) == .ok)
        let m = try TrainingEndToEndTests.metrics(dir)
        #expect((m["status"] as? String) == "completed")
        let nll = try #require(m["valid_nll"] as? Double), trainNLL = try #require(m["train_nll"] as? Double)
        #expect(nll.isFinite && trainNLL.isFinite)
        // Bits/spike is a Poisson metric: absent, not a number computed from channel 0.
        #expect(m["valid_bits_per_spike"] == nil)
        let r2 = try #require(m["valid_r2_per_neuron"] as? Double)
        // A constant per-neuron mean scores R² ≤ 0; the README measures a full run (0.86-0.88).
        #expect(r2 > 0.1, "R² of the ZIG mean against the events' true mean: \(r2)")

        let (hp, params): (Hyperparameters, [Float]) = try ParameterFile.read(dir + "/run/params.h5")
        #expect(hp.observation == .zig)
        let layout = ParameterLayout(hp)
        #expect(layout["readout.W"].shape == [6, 36] && layout["zig.scale"].shape == [2, 12])
        let k = layout["zig.scale"]
        #expect(params[k.offset..<(k.offset + k.count)].contains { $0 != 20 }, "K must have trained")

        let rates = try H5File.open(dir + "/run/rates.h5").readFloat("valid_rates").values
        #expect(rates.allSatisfy { $0.isFinite && $0 > 0 })
        try EvalRun.run(params: dir + "/run/params.h5", data: dir + "/run/data.h5", out: dir + "/eval.h5",
                        posteriorMean: false, samples: nil, force: false, log: { _ in })
        #expect(try H5File.open(dir + "/eval.h5").readFloat("valid_rates").values == rates)
    }

    @Test func poissonOnZIGDataIsRefusedNamingTheElement() throws {
        let dir = TinyConfig.tempDir("app", "zig-poisson")
        do {
            _ = try TrainingEndToEndTests.train(dir, overrides: ["data.synth.observation=zig"])
            Issue.record("Poisson training on float events should be refused")
        } catch {
            let text = "\(error)"
            #expect(text.contains("data.h5: 'train_data' is float but holds non-integer count"), "\(text)")
            #expect(text.contains(" at ["), "\(text)")
        }
        let gamma = TinyConfig.tempDir("app", "zig-gamma")
        do {
            _ = try TrainingEndToEndTests.train(gamma, overrides: ["data.synth.observation=zig", "recon=gamma"])
            Issue.record("Gamma training on data with zeros should be refused")
        } catch {
            #expect("\(error)".contains("value 0 at [0,0,0] is not > 0 (recon: gamma needs positive data)")
                    || "\(error)".contains("is not > 0 (recon: gamma"), "\(error)")
        }
    }

    @Test func gaussianReportsItsNLLWithHeldOutNeurons() throws {
        let dir = TinyConfig.tempDir("app", "gaussian-heldout")
        #expect(try TrainingEndToEndTests.train(dir, overrides: ["recon=gaussian", "data.synth.observation=zig",
                                                                 "heldout_neurons=2", "max_epochs=6"]) == .ok)
        let m = try TrainingEndToEndTests.metrics(dir)
        #expect((m["valid_heldin_nll"] as? Double)?.isFinite == true)
        #expect(m["valid_cobps"] == nil && m["valid_bits_per_spike"] == nil)
    }

    /// The ZIG scales and their Adam moments go through checkpoint.h5 like every other tensor.
    @Test func zigResumeEndsWithTheUninterruptedParameters() throws {
        let full = TinyConfig.tempDir("app", "zig-full"), parts = TinyConfig.tempDir("app", "zig-parts")
        #expect(try TrainingEndToEndTests.train(full, overrides: Self.zig + ["max_epochs=6"]) == .ok)
        #expect(try TrainingEndToEndTests.train(parts, overrides: Self.zig + ["max_epochs=6"], stopAfter: 3) == .interrupted)
        #expect(try TrainingEndToEndTests.train(parts, resume: true) == .ok)
        let (_, p1): (_, [Float]) = try ParameterFile.read(full + "/run/params.h5")
        let (_, p2): (_, [Float]) = try ParameterFile.read(parts + "/run/params.h5")
        #expect(p1.map(\.bitPattern) == p2.map(\.bitPattern))
    }
}
