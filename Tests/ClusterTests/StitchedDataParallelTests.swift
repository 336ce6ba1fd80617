import Foundation
import TestSupport
import Testing

/// A stitched model (docs/model.md §18) under mpirun: 2 ranks train the model 1 rank trains, up to
/// summation order, although a rank's share of a mixed step holds some sessions' trials and not others'.
@Suite(.serialized, .enabled(if: MPIJob.available, "needs mpirun and the built spikesae"))
struct StitchedDataParallelTests {
    static func config(_ dir: String) -> String {
        StitchedConfig.yaml(sessions: "\(dir)/lorenz_s*.h5", trainReadin: true, rampEpochs: 3, batchSize: 15, maxEpochs: 8)
    }

    /// Three session files lorenz_s*.h5 from `synth --sessions 3`, with `extra` synth options.
    static func sessions(_ dir: String, bins: Int = 15, extra: [String] = []) throws {
        let r = try MPIJob.runPlain(["synth", "lorenz", "--sessions", "3", "--neurons", "8", "--conditions", "6",
                                     "--trials-per-condition", "5", "--bins", "\(bins)", "--heldout-neurons", "1"]
                                    + extra + ["--out", dir + "/lorenz.h5", "--force"], in: dir)
        #expect(r.status == 0, "\(r.output)")
    }

    /// Trains `config` on 1 rank (out `one`) and 2 (out `two`) and compares history and parameters.
    /// Bounds as DataParallelTrainingTests: summation order only; a per-rank normaliser (B_s of one
    /// rank's share) or L2 counted twice moves these by percents.
    @discardableResult
    static func compareRanks(_ dir: String, config: String, epochs: Int) throws
        -> (one: MPIJob.Result, two: MPIJob.Result, params: [Float]) {
        try config.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let args = ["train", "--config", dir + "/c.yaml", "--out"]
        let one = try MPIJob.run(ranks: 1, args + ["one"], in: dir)
        let two = try MPIJob.run(ranks: 2, args + ["two", "--ranks-per-model", "2"], in: dir)
        #expect(one.status == 0 && !one.timedOut, "1 rank: \(one.output)")
        #expect(two.status == 0 && !two.timedOut, "2 ranks: \(two.output)")
        let h1 = try TinyRun.history(dir + "/one"), h2 = try TinyRun.history(dir + "/two")
        #expect(h1["epoch"]?.count == epochs && h2["epoch"]?.count == epochs)
        for col in ["train_total", "train_recon", "train_l2", "valid_total", "valid_recon", "train_kl_ic", "grad_norm"] {
            let a = try #require(h1[col]), b = try #require(h2[col])
            let worst = zip(a, b).map { abs($0 - $1) / max(abs($0), 1e-12) }.max() ?? .nan
            #expect(worst < 1e-4, "\(col): 1 and 2 ranks differ by \(worst) relative")
        }
        let p1 = try TinyRun.params(dir + "/one"), p2 = try TinyRun.params(dir + "/two")
        #expect(p1.count == p2.count)
        #expect((zip(p1, p2).map { abs($0 - $1) }.max() ?? .nan) < 1e-4)
        return (one, two, p1)
    }

    @Test func twoRanksTrainTheSameStitchedModelAsOne() throws {
        let dir = MPIJob.tempDir("stitched")
        try Self.sessions(dir)
        let (_, two, p1) = try Self.compareRanks(dir, config: Self.config(dir), epochs: 8)
        #expect(two.count("session 2: ") == 1 && two.count("wrote ") == 1, "\(two.output)")
        let plain = try MPIJob.runPlain(["train", "--config", dir + "/c.yaml", "--out", "plain"], in: dir)
        #expect(plain.status == 0, "\(plain.output)")
        #expect(try TinyRun.params(dir + "/plain").map(\.bitPattern) == p1.map(\.bitPattern))
    }

    @Test func aSessionWithAnotherTStopsEveryRankWithOneMessage() throws {
        let dir = MPIJob.tempDir("stitched-bad")
        try Self.sessions(dir)
        let r = try MPIJob.runPlain(["synth", "lorenz", "--neurons", "5", "--conditions", "6", "--trials-per-condition", "5",
                                     "--bins", "12", "--out", dir + "/lorenz_s9.h5"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        try Self.config(dir).write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let two = try MPIJob.run(ranks: 2, ["train", "--config", dir + "/c.yaml", "--out", "bad", "--ranks-per-model", "2"], in: dir)
        #expect(two.status != 0 && !two.timedOut, "\(two.output)")
        #expect(two.output.contains("lorenz_s9.h5: T = 12 bins") && two.output.contains("same T"), "\(two.output)")
        #expect(!two.output.contains("Fatal error") && !two.output.contains("Stack"), "\(two.output)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad/params.h5"))
    }
}
