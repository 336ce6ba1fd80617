import Foundation
import Testing
@testable import App
import LFADS
import ModelIO
import Store

/// Issue 19: `eval` of a model trained with sample validation must give the rates of the same
/// parameters with sv_rate 0 in their hps, since SV never applies at inference (docs/model.md §9).
@Suite(.serialized)
struct PosteriorSVTests {
    typealias E2E = TrainingEndToEndTests

    @Test(arguments: [true, false])
    func evalOfAnSVTrainedModelIgnoresItsSVRate(posteriorMean: Bool) throws {
        let dir = E2E.tempDir("svscale-\(posteriorMean)")
        #expect(try E2E.train(dir, overrides: ["max_epochs=6"]) == .ok)
        let (hp, params): (Hyperparameters, [Float]) = try ParameterFile.read(dir + "/run/params.h5")
        #expect(hp.svRate == 0.2, "the tiny config trains with SV")
        var noSV = hp
        noSV.svRate = 0
        try ParameterFile.write(params, hp: noSV, to: dir + "/params-sv0.h5")
        for (p, out) in [(dir + "/run/params.h5", dir + "/a.h5"), (dir + "/params-sv0.h5", dir + "/b.h5")] {
            try EvalRun.run(params: p, data: dir + "/run/data.h5", out: out, posteriorMean: posteriorMean,
                            samples: 3, force: false, log: { _ in })
        }
        let a = try H5File.open(dir + "/a.h5"), b = try H5File.open(dir + "/b.h5")
        for name in ["train_rates", "valid_rates", "valid_factors", "valid_ic_post_mean"] {
            #expect(try a.readFloat(name).values == b.readFloat(name).values, "\(name) depends on sv_rate")
        }
    }
}
