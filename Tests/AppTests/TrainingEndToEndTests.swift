import Foundation
import Testing
@testable import App
import ModelIO
import Store
import TestSupport

/// Runs `spikesae train` in-process on a tiny synthetic Lorenz set (a few seconds in a debug build).
@Suite(.serialized)
struct TrainingEndToEndTests {
    static let tinyConfig = TinyConfig.yaml()

    static func tempDir(_ name: String) -> String { TinyConfig.tempDir("app", name) }

    static func train(_ dir: String, config: String = tinyConfig, overrides: [String] = [], resume: Bool = false,
                      force: Bool = false, stopAfter: Int? = nil) throws -> TrainExit {
        let cfg = dir + ".yaml"
        try config.write(toFile: cfg, atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir + "/run")
        o.configPath = resume ? nil : cfg
        o.overrides = overrides; o.resume = resume; o.force = force; o.stopAfter = stopAfter
        return try TrainRun.run(o, log: { _ in })
    }

    static func metrics(_ dir: String) throws -> [String: Any] {
        try metrics(json: Data(contentsOf: URL(fileURLWithPath: dir + "/run/metrics.json")))
    }

    /// A metrics object (numbers as Double, null as NSNull, the rest as String), read exactly: JSONSerialization
    /// rounds 17-digit decimals on Linux, so two equal values could compare unequal after it.
    static func metrics(json: Data) throws -> [String: Any] {
        enum Value: Decodable {
            case number(Double), text(String), null
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if c.decodeNil() { self = .null } else if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .text(try c.decode(String.self)) }
            }
        }
        return try JSONDecoder().decode([String: Value].self, from: json).mapValues { v -> Any in
            switch v { case .number(let d): return d; case .text(let s): return s; case .null: return NSNull() }
        }
    }

    @Test func trainingLiftsR2WellAboveAConstantRateModel() throws {
        let dir = Self.tempDir("r2")
        #expect(try Self.train(dir) == .ok)
        let m = try Self.metrics(dir)
        let r2 = try #require(m["valid_r2_per_neuron"] as? Double)
        // A constant per-neuron rate scores R² ≤ 0 per neuron.
        #expect(r2 > 0.25, "valid R² per neuron \(r2)")
        #expect((m["status"] as? String) == "completed")
        // One `"key": value` line per entry: the Slurm templates and test script read it with grep.
        let lines = try String(contentsOfFile: dir + "/run/metrics.json", encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "{" && lines.last == "}" && lines.count == m.count + 2)
        #expect(lines.dropFirst().dropLast().allSatisfy { $0.wholeMatch(of: #/\ \ "[a-z0-9_]+": [^ ].*/#) != nil }, "\(lines)")
        #expect(lines.contains("  \"status\": \"completed\","))
        for f in ["params.h5", "rates.h5", "history.csv", "config.yaml", "checkpoint.h5", "data.h5"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/run/" + f), "\(f) missing")
        }
        let history = try String(contentsOfFile: dir + "/run/history.csv", encoding: .utf8)
        #expect(history.split(separator: "\n").count == 41)
        let rates = try H5File.open(dir + "/run/rates.h5")
        #expect(try rates.info("valid_rates").shape == [16, 25, 12])
        #expect(try rates.stringAttribute("format") == "spikesae-output")
        #expect(try rates.stringAttribute("data_sha256") == fileSHA256(dir + "/run/data.h5"))
        #expect(try rates.readFloat("valid_rates").values.allSatisfy { $0.isFinite && $0 > 0 })
    }

    @Test func evalOfTheSavedParametersReproducesTrainsRates() throws {
        let dir = Self.tempDir("eval")
        #expect(try Self.train(dir, overrides: ["max_epochs=8"]) == .ok)
        try EvalRun.run(params: dir + "/run/params.h5", data: dir + "/run/data.h5", out: dir + "/eval.h5",
                        posteriorMean: false, samples: nil, force: false, log: { _ in })
        let a = try H5File.open(dir + "/run/rates.h5"), b = try H5File.open(dir + "/eval.h5")
        for name in ["train_rates", "valid_rates", "valid_factors", "valid_ic_post_mean"] {
            #expect(try a.readFloat(name).values == b.readFloat(name).values, "\(name) differs")
        }
        #expect(throws: RunError.self) {
            try EvalRun.run(params: dir + "/run/params.h5", data: dir + "/run/data.h5", out: dir + "/eval.h5",
                            posteriorMean: false, samples: nil, force: false, log: { _ in })
        }
    }

    @Test func resumeEndsWithTheSameParametersAsAnUninterruptedRun() throws {
        let full = Self.tempDir("full"), parts = Self.tempDir("parts")
        #expect(try Self.train(full, overrides: ["max_epochs=9"]) == .ok)
        #expect(try Self.train(parts, overrides: ["max_epochs=9"], stopAfter: 4) == .interrupted)
        #expect(try Self.train(parts, resume: true) == .ok)
        let (_, p1): (_, [Float]) = try ParameterFile.read(full + "/run/params.h5")
        let (_, p2): (_, [Float]) = try ParameterFile.read(parts + "/run/params.h5")
        #expect(p1.map(\.bitPattern) == p2.map(\.bitPattern))
        let h1 = try String(contentsOfFile: full + "/run/history.csv", encoding: .utf8)
        let h2 = try String(contentsOfFile: parts + "/run/history.csv", encoding: .utf8)
        func losses(_ s: String) -> [String] { s.split(separator: "\n").map { $0.split(separator: ",").prefix(9).joined(separator: ",") } }
        #expect(losses(h1) == losses(h2))
    }

    @Test func existingOutputIsNeverOverwrittenWithoutForce() throws {
        let dir = Self.tempDir("exists")
        try FileManager.default.createDirectory(atPath: dir + "/run", withIntermediateDirectories: true)
        try "keep".write(toFile: dir + "/run/metrics.json", atomically: true, encoding: .utf8)
        #expect { _ = try Self.train(dir) } throws: { "\($0)".contains("already exists") && "\($0)".contains("--force") }
        #expect(try String(contentsOfFile: dir + "/run/metrics.json", encoding: .utf8) == "keep")
    }

    @Test func anAbsurdLearningRateDivergesWithoutWritingNaNRates() throws {
        let dir = Self.tempDir("diverge")
        let code = try Self.train(dir, overrides: ["lr=1e6", "max_grad_norm=1e30", "max_epochs=10"])
        #expect(code == .diverged)
        let m = try Self.metrics(dir)
        #expect((m["status"] as? String) == "diverged")
        if FileManager.default.fileExists(atPath: dir + "/run/rates.h5") {
            let r = try H5File.open(dir + "/run/rates.h5")
            #expect(try r.readFloat("valid_rates").values.allSatisfy(\.isFinite))
        }
    }

    @Test func badConfigsAreRejectedByName() throws {
        let dir = Self.tempDir("badcfg")
        #expect { _ = try Self.train(dir, config: Self.tinyConfig + "\n  learning_rate: 0.1\n") } throws: {
            "\($0)".contains("unknown hyperparameter 'learning_rate'")
        }
        #expect { _ = try Self.train(dir, overrides: ["dropout_rate=1.5"], force: true) } throws: {
            "\($0)".contains("'dropout_rate' = 1.5 is out of range")
        }
        // Bad input found after the run directory was made: the directory goes again.
        #expect(!FileManager.default.fileExists(atPath: dir + "/run"))
        #expect { _ = try Self.train(dir, overrides: ["output.psth_smoothing_ms=-5"], force: true) } throws: {
            "\($0)".contains("output.psth_smoothing_ms must be a positive number of ms, got '-5'")
        }
        #expect { _ = try Self.train(dir, overrides: ["data.synth.colour=3"], force: true) } throws: {
            "\($0)".contains("data.synth.colour")
        }
    }
}
