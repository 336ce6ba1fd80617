import Foundation
import Testing
@testable import App
import ModelIO
import Store
import TestSupport

/// `train --force` replaces a previous run only once the new run's input proved good, and then
/// leaves nothing of the old run behind, not even a stitched run's per-session outputs.
@Suite(.serialized)
struct ForceRunTests {
    typealias E2E = TrainingEndToEndTests

    static func contents(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// data.synth: the data are generated and checked (data domain, then the model's shape) before
    /// the previous outputs go, so a refused run keeps them all.
    @Test func aForceRunWhoseGeneratedDataAreRefusedKeepsThePreviousRun() throws {
        let dir = E2E.tempDir("force-synth")
        #expect(try E2E.train(dir, overrides: ["max_epochs=2"]) == .ok)
        let kept = ["metrics.json", "params.h5", "rates.h5", "data.h5", "config.yaml", "history.csv", "checkpoint.h5"]
        let before = try kept.map { try Self.contents(dir + "/run/" + $0) }
        // ZIG events are not counts: the Poisson model refuses the generated data by name.
        let zig = TinyConfig.yaml(maxEpochs: 2).replacingOccurrences(of: "bins: 25}", with: "bins: 25, observation: zig}")
        #expect { _ = try E2E.train(dir, config: zig, force: true) } throws: {
            "\($0)".contains("non-integer count") && "\($0)".contains("data.synth") && "\($0)".contains("/run/data.h5")
        }
        // Generated data that do not fit the model: 12 held-out neurons of 12.
        #expect { _ = try E2E.train(dir, overrides: ["heldout_neurons=12"], force: true) } throws: {
            "\($0)".contains("heldout_neurons")
        }
        for (name, data) in zip(kept, before) {
            #expect(try Self.contents(dir + "/run/" + name) == data, "\(name) changed or went")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/" + RunDirectory.pendingData))
        // A good --force run then replaces it, with data.h5 in place and named in rates.h5.
        #expect(try E2E.train(dir, overrides: ["max_epochs=1"], force: true) == .ok)
        #expect((try E2E.metrics(dir)["epochs"] as? Double) == 1)
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/" + RunDirectory.pendingData))
        let rates = try H5File.open(dir + "/run/rates.h5")
        #expect(try rates.stringAttribute("data_path") == dir + "/run/data.h5")
        #expect(try rates.stringAttribute("data_sha256") == fileSHA256(dir + "/run/data.h5"))
    }

    /// A stitched run's rates_<session>.h5 are named after its session files; a --force run on other
    /// files removes them, and keeps every rates_*.h5 that train did not write (eval's, a user's).
    @Test func aForceRunRemovesAPreviousStitchedRunsSessionOutputsOnly() throws {
        let dir = TinyConfig.tempDir("app", "force-stitched")
        try StitchedRunTests.sessions(dir)
        for (sub, stem) in [("evaled", "a"), ("next", "b")] {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true)
            for i in 0..<3 { try FileManager.default.copyItem(atPath: "\(dir)/s\(i).h5", toPath: "\(dir)/\(sub)/\(stem)\(i).h5") }
        }
        func train(_ pattern: String, force: Bool) throws -> TrainExit {
            try StitchedConfig.yaml(sessions: pattern, maxEpochs: 2).write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
            var o = RunOptions(outDir: dir + "/run")
            o.configPath = dir + "/c.yaml"; o.force = force
            return try TrainRun.run(o, log: { _ in })
        }
        #expect(try train("\(dir)/s*.h5", force: false) == .ok)
        // eval's per-session outputs in the run directory under train's naming (rates_a0.h5 …), and a user's file.
        try EvalRun.run(params: dir + "/run/params.h5", data: "\(dir)/evaled/a*.h5", out: dir + "/run/rates.h5",
                        posteriorMean: false, samples: nil, force: false, log: { _ in })
        try "notes".write(toFile: dir + "/run/rates_notes.h5", atomically: true, encoding: .utf8)
        let evaled = try Self.contents(dir + "/run/rates_a1.h5")
        #expect(try train("\(dir)/next/b*.h5", force: true) == .ok)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/run"))
        #expect(files.filter { $0.hasPrefix("rates_") }.sorted()
                == ["rates_a0.h5", "rates_a1.h5", "rates_a2.h5", "rates_b0.h5", "rates_b1.h5", "rates_b2.h5", "rates_notes.h5"],
                "\(files.sorted())")
        #expect(try Self.contents(dir + "/run/rates_a1.h5") == evaled)
        // A stitched run refused while initialising its adapters (PCR weights of the wrong shape) keeps it all.
        let metrics = try Self.contents(dir + "/run/metrics.json")
        let f = try H5File.open("\(dir)/next/b0.h5", writable: true)
        try f.write("readin_weight", shape: [8, 5], doubles: [Double](repeating: 0.1, count: 40))
        try f.write("readout_bias", shape: [8], doubles: [Double](repeating: 1, count: 8))
        try f.close()
        try StitchedConfig.yaml(sessions: "\(dir)/next/b*.h5", maxEpochs: 2, extra: "  readin_init: pcr")
            .write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir + "/run")
        o.configPath = dir + "/c.yaml"; o.force = true
        #expect { _ = try TrainRun.run(o, log: { _ in }) } throws: { "\($0)".contains("b0.h5: readin_weight has shape [8, 5]") }
        #expect(try Self.contents(dir + "/run/metrics.json") == metrics)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/run")) == files)
    }
}
