import Foundation
import Testing

/// `spikesae train` under mpirun: 2 ranks train the model 1 rank trains, up to summation order.
@Suite(.serialized, .enabled(if: MPIJob.available, "needs mpirun and the built spikesae"))
struct DataParallelTrainingTests {
    static let epochs = 12

    /// Also with held-out neurons and forward bins, whose masks and held-in validation NLL must
    /// split across ranks the same way.
    /// And with the ZIG observation model (docs/model.md §14) on calcium-like synthetic data, whose
    /// per-neuron scales K get gradient contributions from both ranks' elements.
    /// And with SBTT on 30 % missing data (docs/model.md §15): the normaliser n_O is the whole
    /// minibatch's, so normalising by one rank's observed count would show here.
    /// And with external inputs (docs/model.md §16) on Lorenz data with input pulses: each rank must
    /// gather its own trials' inputs, so a rank reading another's would show here.
    /// And with temporal shifts on time-jittered data, SBTT, SV and external inputs (docs/model.md
    /// §17): the shifts are keyed by trial, n_O counts the shifted targets of the whole minibatch on
    /// every rank, and the inputs are never shifted.
    @Test(arguments: [[], ["--set", "heldout_neurons=3", "--set", "forward_bins=5"],
                      ["--set", "recon=zig", "--set", "data.synth.observation=zig"],
                      ["--set", "sbtt=1", "--set", "data.synth.missing_fraction=0.3"],
                      ["--set", "ext_input_dim=1", "--set", "data.synth.ext_pulse=10"],
                      ["--set", "temporal_shift_max=3", "--set", "sbtt=1", "--set", "sv_rate=0.2",
                       "--set", "data.synth.missing_fraction=0.3", "--set", "data.synth.time_jitter=1.5",
                       "--set", "ext_input_dim=1", "--set", "data.synth.ext_pulse=10"]])
    func twoRanksTrainTheSameModelAsOne(layout: [String]) throws {
        let tag = layout.contains("temporal_shift_max=3") ? "tshift" : layout.contains("recon=zig") ? "zig"
            : layout.contains("sbtt=1") ? "sbtt" : layout.contains("ext_input_dim=1") ? "ext" : ""
        let dir = MPIJob.tempDir("equivalence\(layout.count)\(tag)")
        let cfg = try TinyRun.writeConfig(in: dir)
        let args = ["train", "--config", cfg, "--set", "max_epochs=\(Self.epochs)"] + layout + ["--out"]
        let one = try MPIJob.run(ranks: 1, args + ["one"], in: dir)
        let two = try MPIJob.run(ranks: 2, args + ["two", "--ranks-per-model", "2"], in: dir)
        #expect(one.status == 0 && !one.timedOut, "1 rank: \(one.output)")
        #expect(two.status == 0 && !two.timedOut, "2 ranks: \(two.output)")
        // Rank 0 alone logs and writes.
        #expect(two.count("data: ") == 1 && two.count("wrote ") == 1, "\(two.output)")
        #expect(two.output.contains("data parallel over 2 ranks"))

        // Tolerances. With the same seed the two runs see the same minibatches and masks (keyed by
        // trial index); only float summation order differs: each rank's gradient GEMMs sum over 8
        // trials instead of 16, then the allreduce adds the two halves. Measured over 12 epochs
        // (48 Adam steps): losses within 3.6e-8 relative (history.csv keeps 8 digits), KL terms and
        // grad norm within 8e-7, parameters within 1.3e-6 absolute (rms 1.6e-7; largest |p| 2.1).
        // The bounds leave 100× headroom for Adam amplifying rounding differences on other CPUs,
        // yet a real data-parallel bug moves these numbers by percents: normalising by the local
        // batch doubles every loss, counting L2 on both ranks doubles train_l2.
        let h1 = try TinyRun.history(dir + "/one"), h2 = try TinyRun.history(dir + "/two")
        #expect(h1["epoch"]?.count == Self.epochs && h2["epoch"]?.count == Self.epochs)
        let bounds = ["train_total": 1e-5, "train_recon": 1e-5, "train_l2": 1e-5, "valid_total": 1e-5, "valid_recon": 1e-5,
                      "train_kl_ic": 1e-4, "train_kl_co": 1e-4, "grad_norm": 1e-4]
        for (col, bound) in bounds.sorted(by: { $0.key < $1.key }) {
            let a = try #require(h1[col]), b = try #require(h2[col])
            let worst = zip(a, b).map { abs($0 - $1) / max(abs($0), 1e-12) }.max() ?? .nan
            #expect(worst < bound, "\(col): 1 and 2 ranks differ by \(worst) relative (bound \(bound))")
        }
        let p1 = try TinyRun.params(dir + "/one"), p2 = try TinyRun.params(dir + "/two")
        #expect(p1.count == p2.count)
        let worst = zip(p1, p2).map { abs($0 - $1) }.max() ?? .nan
        #expect(worst < 1e-4, "parameters of 1 and 2 ranks differ by up to \(worst)")

        // One rank under mpirun runs the plain run's arithmetic: a 1-rank allreduce changes nothing.
        let plain = try MPIJob.runPlain(args + ["plain"], in: dir)
        #expect(plain.status == 0, "\(plain.output)")
        #expect(try TinyRun.params(dir + "/plain").map(\.bitPattern) == p1.map(\.bitPattern))
    }
}

extension DataParallelTrainingTests {
    /// SIGUSR1 reaches the ranks at slightly different times; they agree on one epoch to stop after,
    /// and resuming gives the uninterrupted run's parameters bit for bit.
    @Test func sigusr1StopsEveryRankAfterTheSameEpochAndResumeFinishesTheRun() throws {
        let dir = MPIJob.tempDir("stop")
        let cfg = try TinyRun.writeConfig(in: dir)
        let args = ["train", "--config", cfg, "--set", "max_epochs=\(Self.epochs)", "--out"]
        let whole = try MPIJob.run(ranks: 2, args + ["whole"], in: dir)
        #expect(whole.status == 0, "\(whole.output)")
        let stopped = try MPIJob.run(ranks: 2, args + ["parts"], in: dir, signal: ("epoch    1", SIGUSR1))
        #expect(stopped.status == 3 && !stopped.timedOut, "\(stopped.output)")
        #expect(stopped.count("interrupted: checkpoint of epoch") == 1, "\(stopped.output)")
        let done = try #require(TinyRun.history(dir + "/parts")["epoch"]).count
        #expect(done >= 2 && done < Self.epochs, "stopped after \(done) epochs")
        let resumed = try MPIJob.run(ranks: 2, ["train", "--resume", "parts"], in: dir)
        #expect(resumed.status == 0 && resumed.output.contains("resuming parts at epoch \(done)"), "\(resumed.output)")
        #expect(try TinyRun.params(dir + "/parts").map(\.bitPattern) == TinyRun.params(dir + "/whole").map(\.bitPattern))
    }
}
