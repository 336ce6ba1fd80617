import Foundation
import Testing

/// A stitched model with other features on (docs/model.md §18 with §14) under mpirun: 2 ranks train
/// the model 1 rank trains, up to summation order.
@Suite(.serialized, .enabled(if: MPIJob.available, "needs mpirun and the built spikesae"))
struct StitchedFeaturesDataParallelTests {
    /// Runs 1 and 2 ranks on `config` and compares history and parameters as StitchedDataParallelTests.
    static func compareRanks(_ dir: String, config: String, epochs: Int) throws {
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
    }

    @Test func twoRanksTrainTheSameStitchedZigModelAsOne() throws {
        let dir = MPIJob.tempDir("stitched-zig")
        let r = try MPIJob.runPlain(["synth", "lorenz", "--sessions", "3", "--neurons", "8", "--conditions", "6",
                                     "--trials-per-condition", "5", "--bins", "15", "--heldout-neurons", "1",
                                     "--observation", "zig", "--out", dir + "/lorenz.h5", "--force"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        let config = StitchedDataParallelTests.config(dir).replacingOccurrences(of: "max_epochs: 8", with: "max_epochs: 4")
            + "  recon: zig\n  gamma_loc: 0.1\n"
        try Self.compareRanks(dir, config: config, epochs: 4)
    }

    /// SBTT: each session's normaliser is its observed count over the whole step, not one rank's share.
    @Test func twoRanksTrainTheSameStitchedSBTTModelAsOne() throws {
        let dir = MPIJob.tempDir("stitched-sbtt")
        let r = try MPIJob.runPlain(["synth", "lorenz", "--sessions", "3", "--neurons", "8", "--conditions", "6",
                                     "--trials-per-condition", "5", "--bins", "15", "--heldout-neurons", "1",
                                     "--missing-fraction", "0.3", "--out", dir + "/lorenz.h5", "--force"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        let config = StitchedDataParallelTests.config(dir).replacingOccurrences(of: "max_epochs: 8", with: "max_epochs: 4")
            + "  sbtt: 1\n"
        try Self.compareRanks(dir, config: config, epochs: 4)
    }

    /// Temporal shift with SBTT: shifts keyed per session trial, and each session's n_O counted on the
    /// shifted targets of the whole step, so 2 ranks draw and normalise as 1.
    @Test func twoRanksTrainTheSameStitchedShiftedSBTTModelAsOne() throws {
        let dir = MPIJob.tempDir("stitched-tshift")
        let r = try MPIJob.runPlain(["synth", "lorenz", "--sessions", "3", "--neurons", "8", "--conditions", "6",
                                     "--trials-per-condition", "5", "--bins", "15", "--heldout-neurons", "1",
                                     "--time-jitter", "2", "--missing-fraction", "0.2", "--out", dir + "/lorenz.h5", "--force"], in: dir)
        #expect(r.status == 0, "\(r.output)")
        let config = StitchedDataParallelTests.config(dir).replacingOccurrences(of: "max_epochs: 8", with: "max_epochs: 4")
            + "  sbtt: 1\n  temporal_shift_max: 2\n  temporal_shift_std: 1.0\n"
        try Self.compareRanks(dir, config: config, epochs: 4)
    }
}
