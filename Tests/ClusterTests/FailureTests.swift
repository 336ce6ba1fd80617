import Foundation
import Testing

/// Bad input under mpirun ends every rank with one message and a non-zero exit, never a hang.
@Suite(.serialized, .enabled(if: MPIJob.available, "needs mpirun and the built spikesae"))
struct FailureTests {
    /// Setup takes about a second; a hang would run to the deadline.
    static let deadline = 30.0

    func train(_ name: String, ranks: Int = 2, extra: [String] = [],
               prepare: (String) throws -> Void = { _ in }) throws -> MPIJob.Result {
        let dir = MPIJob.tempDir(name)
        let cfg = try TinyRun.writeConfig(in: dir)
        try prepare(dir)
        return try MPIJob.run(ranks: ranks, ["train", "--config", cfg, "--out", "run", "--set", "max_epochs=2"] + extra,
                              in: dir, deadline: Self.deadline)
    }

    func expectOneCleanFailure(_ r: MPIJob.Result, saying message: String) {
        #expect(!r.timedOut, "hung: \(r.output)")
        #expect(r.status != 0)
        #expect(r.count("error: ") == 1, "expected one error line: \(r.output)")
        #expect(r.output.contains(message), "\(r.output)")
        #expect(!r.output.contains("Fatal error") && !r.output.contains("Backtrace"), "\(r.output)")
    }

    @Test func aBadConfigOnEveryRankPrintsOnce() throws {
        let r = try train("badcfg", extra: ["--set", "dropout_rate=1.5"])
        expectOneCleanFailure(r, saying: "'dropout_rate' = 1.5 is out of range")
    }

    @Test func oneRankFailingToLoadTheDataEndsEveryRank() throws {
        let r = try train("failrank", extra: ["--debug-fail-rank", "1"])
        expectOneCleanFailure(r, saying: "rank 1 of 2: rank 1 failed to load the data")
    }

    /// External inputs (docs/model.md §16): a file whose inputs do not match ext_input_dim.
    @Test func extInputsOfTheWrongWidthEndEveryRank() throws {
        let r = try train("extwidth", extra: ["--set", "data.synth.ext_pulse=10", "--set", "ext_input_dim=2"])
        expectOneCleanFailure(r, saying: "data.h5: 'train_ext_input' has 1 inputs per bin but ext_input_dim is 2")
    }

    /// Temporal shift (docs/model.md §17): a largest shift the data's bins cannot hold (seq_len comes
    /// from the data file, so this is checked after loading, on every rank).
    @Test func aTemporalShiftAsLongAsTheTrialEndsEveryRank() throws {
        let r = try train("tshiftmax", extra: ["--set", "temporal_shift_max=500"])
        expectOneCleanFailure(r, saying: "'temporal_shift_max' = 500 is out of range: must be in [0, seq_len)")
    }

    @Test func anExistingOutputDirectoryNeedsForce() throws {
        let r = try train("exists") { dir in
            try FileManager.default.createDirectory(atPath: dir + "/run", withIntermediateDirectories: true)
            try "keep".write(toFile: dir + "/run/metrics.json", atomically: true, encoding: .utf8)
        }
        expectOneCleanFailure(r, saying: "already exists")
    }

    @Test func aGroupSizeThatDoesNotFitTheRanks() throws {
        let r = try train("groupsize", extra: ["--ranks-per-model", "3"])
        expectOneCleanFailure(r, saying: "2 ranks cannot form model groups of 3")
    }
}
