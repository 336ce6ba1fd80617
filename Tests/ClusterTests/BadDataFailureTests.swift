import Foundation
import ModelIO
import Store
import Testing
import TestSupport

/// Data that break SBTT's mask or an observation model's domain (docs/model.md §14, §15), under
/// mpirun: every rank ends with one message naming the file and dataset, and a run that `--force`
/// would replace keeps its results, because nothing is removed before the data are known good.
@Suite(.serialized, .enabled(if: MPIJob.available, "needs mpirun and the built spikesae"))
struct BadDataFailureTests {
    /// The tiny config's data (TinyConfig), optionally with missing elements or ZIG events.
    static func synth(missing: Double? = nil, zig: Bool = false) throws -> SynthData {
        var s = SynthSpec(system: .lorenz, seed: 2)
        s.neurons = 12; s.conditions = 8; s.trialsPerCondition = 10; s.bins = 25
        s.missingFraction = missing
        if zig { s.useZIG() }
        return try Synth.generate(s)
    }

    /// Writes `data` to DIR/bad.h5, then lets `damage` rewrite datasets in it.
    static func badFile(in dir: String, _ data: SynthData, damage: (H5File) throws -> Void) throws -> String {
        let path = dir + "/bad.h5"
        try data.write(to: path)
        let f = try H5File.open(path, writable: true)
        try damage(f)
        return path
    }

    /// Replaces `name` (float32, [K,T,N]) by `edit` of its values.
    static func rewrite(_ f: H5File, _ name: String, _ edit: (inout [Double]) -> Void) throws {
        let (shape, v) = try f.readDouble(name)
        var values = v
        edit(&values)
        try f.remove(name)
        try f.write(name, shape: shape, doubles: values, storedAs: .float32, compress: true)
    }

    /// A previous run in DIR/run, which `--force` would replace.
    static let previous = ["metrics.json": "{\"previous\": 1}", "params.h5": "previous parameters", "results.h5": "previous results"]

    /// Runs `command` (train on 2 ranks, search on 3) on `data` with `--force` over a previous run.
    func run(_ command: String, _ name: String, ranks: Int = 2, set: [String] = [],
             data: (String) throws -> String) throws -> (MPIJob.Result, String, String) {
        let dir = MPIJob.tempDir("baddata-" + name)
        let config = dir + "/tiny.yaml"
        try (TinyConfig.yaml(maxEpochs: 2) + (command == "search" ? TinyConfig.randomSearch(seed: 1) : ""))
            .write(toFile: config, atomically: true, encoding: .utf8)
        let path = try data(dir)
        try FileManager.default.createDirectory(atPath: dir + "/run", withIntermediateDirectories: true)
        for (f, text) in Self.previous { try text.write(toFile: "\(dir)/run/\(f)", atomically: true, encoding: .utf8) }
        let r = try MPIJob.run(ranks: ranks, [command, "--config", config, "--data", path, "--out", "run", "--force"]
                               + set.flatMap { ["--set", $0] }, in: dir, deadline: 30)
        return (r, dir, path)
    }

    func expectOneCleanFailure(_ r: MPIJob.Result, dir: String, saying message: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!r.timedOut, "hung: \(r.output)", sourceLocation: sourceLocation)
        #expect(r.status != 0, sourceLocation: sourceLocation)
        #expect(r.count("error: ") == 1, "expected one error line: \(r.output)", sourceLocation: sourceLocation)
        #expect(r.output.contains(message), "\(r.output)", sourceLocation: sourceLocation)
        #expect(!r.output.contains("Fatal error") && !r.output.contains("Backtrace"), "\(r.output)", sourceLocation: sourceLocation)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/run").sorted()) ?? []
        #expect(left == Self.previous.keys.sorted(), "the previous run's directory changed: \(left)", sourceLocation: sourceLocation)
        for (f, text) in Self.previous {
            #expect((try? String(contentsOfFile: "\(dir)/run/\(f)", encoding: .utf8)) == text, "\(f) overwritten",
                    sourceLocation: sourceLocation)
        }
    }

    @Test func aMaskOfTheWrongShape() throws {
        let (r, dir, path) = try run("train", "maskshape", set: ["sbtt=1"]) { dir in
            try Self.badFile(in: dir, try Self.synth(missing: 0.3)) { f in
                let shape = try f.info("valid_obs_mask").shape
                try f.remove("valid_obs_mask")
                try f.write("valid_obs_mask", shape: [shape[0], shape[1], 11],
                            uint8s: [UInt8](repeating: 1, count: shape[0] * shape[1] * 11))
            }
        }
        expectOneCleanFailure(r, dir: dir, saying: "\(path): 'valid_obs_mask' shape (16, 25, 11) differs from 'valid_data' (16, 25, 12)")
    }

    @Test func aMaskValueOtherThanZeroOrOne() throws {
        let (r, dir, path) = try run("train", "maskvalue", set: ["sbtt=1"]) { dir in
            try Self.badFile(in: dir, try Self.synth(missing: 0.3)) { f in
                var m = try f.readUInt8("train_obs_mask").values
                m[(1 * 25 + 2) * 12 + 3] = 2
                try f.remove("train_obs_mask")
                try f.write("train_obs_mask", shape: [64, 25, 12], uint8s: m)
            }
        }
        expectOneCleanFailure(r, dir: dir, saying: "\(path): 'train_obs_mask' holds 2 at [1,2,3]; expected 0 (missing) or 1 (observed)")
    }

    @Test func aNonIntegerCountUnderPoissonWithSBTT() throws {
        let (r, dir, path) = try run("train", "fraction", set: ["sbtt=1"]) { dir in
            try Self.badFile(in: dir, try Self.synth(missing: 0.3)) { f in
                // The first observed element of trial 0.
                let mask = try f.readUInt8("train_obs_mask").values
                let i = try #require(mask.firstIndex(of: 1))
                try Self.rewrite(f, "train_data") { $0[i] = 1.5 }
            }
        }
        expectOneCleanFailure(r, dir: dir, saying: "\(path): 'train_data' is float but holds non-integer count 1.5 at [0,")
    }

    @Test func aNegativeCount() throws {
        let (r, dir, path) = try run("train", "negative") { dir in
            try Self.badFile(in: dir, try Self.synth()) { f in
                try Self.rewrite(f, "valid_data") { $0[(3 * 25 + 4) * 12 + 5] = -2 }
            }
        }
        expectOneCleanFailure(r, dir: dir, saying: "\(path): 'valid_data' contains negative count -2 at [3,4,5]")
    }

    @Test func aZeroUnderGamma() throws {
        let (r, dir, path) = try run("train", "gamma", set: ["recon=gamma"]) { dir in
            try Self.badFile(in: dir, try Self.synth(zig: true)) { _ in }
        }
        expectOneCleanFailure(r, dir: dir, saying: "\(path): 'train_data' value 0 at [")
        #expect(r.output.contains("is not > 0 (recon: gamma"), "\(r.output)")
    }

    @Test func anEventBelowGammaLocUnderZIG() throws {
        let (r, dir, path) = try run("train", "zig", set: ["recon=zig"]) { dir in
            try Self.badFile(in: dir, try Self.synth(zig: true)) { f in
                try Self.rewrite(f, "valid_data") { $0[(2 * 25 + 1) * 12 + 7] = 0.05 }
            }
        }
        expectOneCleanFailure(r, dir: dir, saying: "\(path): 'valid_data' value 0.05")
        #expect(r.output.contains("[2,1,7]"), "\(r.output)")
    }

    /// A search reads the data on every rank too: coordinator and both workers stop.
    @Test func aSearchOnABadMask() throws {
        let (r, dir, path) = try run("search", "search", ranks: 3, set: ["sbtt=1"]) { dir in
            try Self.badFile(in: dir, try Self.synth(missing: 0.3)) { f in
                var m = try f.readUInt8("valid_obs_mask").values
                m[5] = 7
                try f.remove("valid_obs_mask")
                try f.write("valid_obs_mask", shape: [16, 25, 12], uint8s: m)
            }
        }
        expectOneCleanFailure(r, dir: dir, saying: "\(path): 'valid_obs_mask' holds 7 at [0,0,5]; expected 0 (missing) or 1 (observed)")
    }
}
