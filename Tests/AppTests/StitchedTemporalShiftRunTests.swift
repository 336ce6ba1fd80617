import Foundation
import Testing
@testable import App
import LFADS
import ModelIO
import Store
import TestSupport

/// `train` and `eval` of a model stitched over jittered session files with temporal shift (docs/model.md §17, §18).
@Suite(.serialized)
struct StitchedTemporalShiftRunTests {
    @Test func temporalShiftTrainsEverySessionAndEvalReproducesIt() throws {
        let dir = TinyConfig.tempDir("app", "stitched-tshift")
        for i in 0..<3 {
            var spec = SynthSpec(system: .lorenz, seed: 2)
            spec.neurons = 8 + 4 * i; spec.conditions = 6; spec.trialsPerCondition = 5; spec.bins = 15
            spec.session = i; spec.timeJitter = 2
            try Synth.generate(spec).write(to: "\(dir)/s\(i).h5", heldout: (i == 1 ? 2 : 0, 0))
        }
        try StitchedRunTests.config("\(dir)/s*.h5", extra: "  temporal_shift_max: 2\n  temporal_shift_std: 1.0\n  sbtt: 1\n  max_epochs: 3")
            .replacingOccurrences(of: "  max_epochs: 6\n", with: "")
            .write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir + "/run"); o.configPath = dir + "/c.yaml"
        #expect(try TrainRun.run(o, log: { _ in }) == .ok)
        let m = try TrainingEndToEndTests.metrics(dir)
        #expect((m["status"] as? String) == "completed")
        for s in 0..<3 { #expect((m["valid_nll_sess\(s)"] as? Double)?.isFinite == true) }
        let (hp, _): (Hyperparameters, [Float]) = try ParameterFile.read(dir + "/run/params.h5")
        #expect(hp.temporalShiftMax == 2 && hp.isStitched)
        let rates = try H5File.open("\(dir)/run/rates_s1.h5").readFloat("valid_rates")
        #expect(rates.values.allSatisfy { $0.isFinite && $0 > 0 })
        try EvalRun.run(params: dir + "/run/params.h5", data: "\(dir)/s*.h5", out: dir + "/ev.h5",
                        posteriorMean: false, samples: nil, force: false, log: { _ in })
        #expect(try H5File.open(dir + "/ev_s1.h5").readFloat("valid_rates").values == rates.values)
    }
}
