import Foundation
import Testing
@testable import App
import LFADS
import ModelIO
import Store
import TestSupport

/// `train` and `eval` of a model stitched over session files with external inputs (docs/model.md §16, §18).
@Suite(.serialized)
struct StitchedExtInputRunTests {
    /// Three sessions of one Lorenz system with one input pulse per trial; `withoutExt` drops session 1's.
    static func sessions(_ dir: String, withoutExt: Int? = nil) throws {
        try StitchedRunTests.sessions(dir) { spec, i in spec.extPulse = i == withoutExt ? nil : 8 }
    }

    @Test func extInputsTrainEverySessionAndEvalReproducesIt() throws {
        let dir = TinyConfig.tempDir("app", "stitched-ext")
        try Self.sessions(dir)
        #expect(try StitchedRunTests.run(dir, StitchedRunTests.config("\(dir)/s*.h5", extra: "  ext_input_dim: 1\n  max_epochs: 3")
            .replacingOccurrences(of: "  max_epochs: 6\n", with: "")) == .ok)
        let m = try TrainingEndToEndTests.metrics(dir)
        #expect((m["status"] as? String) == "completed")
        for s in 0..<3 { #expect((m["valid_nll_sess\(s)"] as? Double)?.isFinite == true) }
        let (hp, _): (Hyperparameters, [Float]) = try ParameterFile.read(dir + "/run/params.h5")
        #expect(hp.extInputDim == 1 && ParameterLayout(hp)["gen.W_x"].shape == [2, 48])
        // gen_inputs [K,T,U+E]: the last column is the session's own input, as the file holds it.
        let f = try H5File.open("\(dir)/run/rates_s2.h5")
        let gi = try f.readFloat("valid_gen_inputs")
        let e = try H5File.open("\(dir)/s2.h5").readFloat("valid_ext_input")
        #expect(gi.shape == [6, 15, 2] && e.shape == [6, 15, 1])
        for k in 0..<(6 * 15) { #expect(abs(gi.values[2 * k + 1] - e.values[k]) <= 1e-6 * max(abs(e.values[k]), 1)) }
        #expect(e.values.contains { $0 != 0 })
        try StitchedRunTests.expectEvalReproducesRates(dir)
    }

    /// A session file without `*_ext_input` is refused naming that file.
    @Test func aSessionWithoutExternalInputsIsRefusedNamingTheFile() throws {
        let dir = TinyConfig.tempDir("app", "stitched-ext-bad")
        try Self.sessions(dir, withoutExt: 1)
        do {
            _ = try StitchedRunTests.run(dir, StitchedRunTests.config("\(dir)/s*.h5", extra: "  ext_input_dim: 1"))
            Issue.record("a session without external inputs must be refused")
        } catch {
            #expect("\(error)".contains("s1.h5") && "\(error)".contains("'train_ext_input' not found (ext_input_dim is 1)"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/params.h5"))
    }
}
