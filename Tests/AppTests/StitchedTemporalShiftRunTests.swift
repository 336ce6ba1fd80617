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
        try StitchedRunTests.sessions(dir) { spec, _ in spec.timeJitter = 2 }
        #expect(try StitchedRunTests.run(dir, StitchedRunTests.config(
            "\(dir)/s*.h5", extra: "  temporal_shift_max: 2\n  temporal_shift_std: 1.0\n  sbtt: 1\n  max_epochs: 3")
            .replacingOccurrences(of: "  max_epochs: 6\n", with: "")) == .ok)
        let m = try TrainingEndToEndTests.metrics(dir)
        #expect((m["status"] as? String) == "completed")
        for s in 0..<3 { #expect((m["valid_nll_sess\(s)"] as? Double)?.isFinite == true) }
        let (hp, _): (Hyperparameters, [Float]) = try ParameterFile.read(dir + "/run/params.h5")
        #expect(hp.temporalShiftMax == 2 && hp.isStitched)
        try StitchedRunTests.expectEvalReproducesRates(dir)
    }
}
