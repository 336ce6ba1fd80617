import Foundation
import Testing
@testable import App
import LFADS
import ModelIO
import Store
import TestSupport

/// `train` and `eval` with temporal-shift augmentation (docs/model.md §17) on the tiny set with
/// time-jittered neurons (`data.synth.time_jitter`).
@Suite(.serialized)
struct TemporalShiftRunTests {
    static let shift = ["temporal_shift_max=3", "temporal_shift_std=1.5", "data.synth.time_jitter=1.5"]

    @Test func shiftedTrainingWritesItsKeysAndEvalReproducesIt() throws {
        let dir = TinyConfig.tempDir("app", "tshift")
        #expect(try TrainingEndToEndTests.train(dir, overrides: Self.shift + ["max_epochs=20"]) == .ok)
        let m = try TrainingEndToEndTests.metrics(dir)
        #expect((m["status"] as? String) == "completed")
        let r2 = try #require(m["valid_r2_per_neuron"] as? Double), nll = try #require(m["valid_nll"] as? Double)
        #expect(r2.isFinite && nll.isFinite)
        let (hp, _): (Hyperparameters, [Float]) = try ParameterFile.read(dir + "/run/params.h5")
        #expect(hp.temporalShiftMax == 3 && hp.temporalShiftStd == 1.5)
        let data = try H5File.open(dir + "/run/data.h5")
        #expect(try data.stringAttribute("params_json")?.contains("\"time_jitter\":1.5") == true)
        let rates = try H5File.open(dir + "/run/rates.h5").readFloat("valid_rates").values
        try EvalRun.run(params: dir + "/run/params.h5", data: dir + "/run/data.h5", out: dir + "/eval.h5",
                        posteriorMean: false, samples: nil, force: false, log: { _ in })
        // Posterior sampling never shifts, in train's outputs as in eval.
        #expect(try H5File.open(dir + "/eval.h5").readFloat("valid_rates").values == rates)
    }

    @Test func outOfRangeShiftsAreRefusedNamingTheKey() throws {
        for (set, message) in [("temporal_shift_max=25", "'temporal_shift_max' = 25 is out of range: must be in [0, seq_len)"),
                               ("temporal_shift_std=-1", "'temporal_shift_std' = -1.0 is out of range: must be ≥ 0 and finite"),
                               ("data.synth.time_jitter=-2", "time_jitter must be >= 0")] {
            let dir = TinyConfig.tempDir("app", "tshift-bad\(set.count)")
            #expect(throws: (any Error).self) { _ = try TrainingEndToEndTests.train(dir, overrides: [set]) }
            do { _ = try TrainingEndToEndTests.train(dir, overrides: [set]) } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }
}
