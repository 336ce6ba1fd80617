import Foundation
import Store
import Testing

/// `spikesae search` under mpirun: world rank 0 coordinates, the other ranks train (docs/search.md §2, §5).
@Suite(.serialized)
struct SearchMPITests {
    static let search = TinyRun.config.replacingOccurrences(of: "max_epochs: 40", with: "max_epochs: 8")
        .replacingOccurrences(of: "posterior_samples: 5", with: "posterior_samples: 3") + """

        search:
          sizes: [1.0, 0.5]
          trials_per_size: 2
          space:
            dropout_rate: {dist: uniform, min: 0.0, max: 0.2}
        """

    static func configFile(_ dir: String, _ text: String = search) throws -> String {
        let p = dir + "/search.yaml"
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    struct Table: Equatable {
        var status: [Int64], hps: [Double], validNLL: [Double], bestRates: [Float]
        init(_ path: String) throws {
            let f = try H5File.open(path)
            status = try f.readInt64("trials/status").values
            hps = try f.readDouble("trials/hps").values
            bestRates = f.exists("best/size0/valid_rates") ? try f.readFloat("best/size0/valid_rates").values : []
            let m = try f.readDouble("trials/metrics")
            validNLL = stride(from: 0, to: m.values.count, by: m.shape[1]).map { m.values[$0] }
        }
    }

    @Test func theSameSearchOnOneTwoAndThreeRanksGivesTheSameTable() throws {
        try #require(MPIJob.available, "mpirun or the spikesae binary is missing")
        let dir = MPIJob.tempDir("search-np")
        let cfg = try Self.configFile(dir)
        var tables: [Table] = []
        for np in [1, 2, 3] {
            let r = try MPIJob.run(ranks: np, ["search", "--config", cfg, "--out", "np\(np)"], in: dir, deadline: 120)
            #expect(r.status == 0 && !r.timedOut, "np \(np): \(r.output.suffix(800))")
            #expect(r.count("wrote np\(np)/results.h5") == 1, "printed once, by the coordinator")
            // With worker ranks, the final file is written through parallel HDF5 by every rank.
            #expect((np > 1) == r.output.contains("parallel HDF5, all \(np) ranks"))
            tables.append(try Table(dir + "/np\(np)/results.h5"))
        }
        #expect(tables[0].status == [2, 2, 2, 2], "all completed")
        #expect(!tables[0].bestRates.isEmpty)
        try Self.expectSealedRows(dir + "/np3/results.h5", copy: dir + "/changed.h5")
        // One rank per model: every trial is computed identically, whichever group runs it.
        #expect(tables[1] == tables[0])
        #expect(tables[2] == tables[0])
    }

    /// The parallel file's rows carry no Fletcher32 (parallel HDF5 allows none with independent
    /// writes), so the coordinator seals each dataset with its SHA-256 (docs/data.md §7): a value
    /// changed afterwards is refused.
    static func expectSealedRows(_ path: String, copy: String) throws {
        #expect(try H5File.open(path).stringAttribute("sha256", on: "trials/metrics")?.count == 64)
        try H5File.open(path).verifyChecksums()
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let m = try H5File.open(copy).readDouble("trials/metrics")
        var row = Array(m.values.prefix(m.shape[1]))
        row[0] += 1
        let w = try H5File.open(copy, writable: true)
        try w.writeRows("trials/metrics", at: 0, doubles: row)
        try w.close()
        #expect { try H5File.open(copy).verifyChecksums() } throws: {
            "\($0)".contains("dataset 'trials/metrics'") && "\($0)".contains("SHA-256")
        }
    }

    @Test func theCoordinatorIdlesWhileGroupsTrain() throws {
        try #require(MPIJob.available)
        let dir = MPIJob.tempDir("search-idle")
        let cfg = try Self.configFile(dir, Self.search.replacingOccurrences(of: "max_epochs: 8", with: "max_epochs: 25"))
        let r = try MPIJob.run(ranks: 2, ["search", "--config", cfg, "--out", "run"], in: dir, deadline: 120)
        #expect(r.status == 0, "\(r.output.suffix(600))")
        let line = try #require(r.output.split(separator: "\n").first { $0.hasPrefix("coordinator:") })
        let pct = try #require(line.split(separator: "(").last.flatMap { Double($0.prefix { $0 != "%" }) })
        // Polling with a 2 ms sleep costs a few % of a core; a blocking receive would cost ~100 %.
        #expect(pct < 15, "\(line)")
    }

    @Test func sigusr1CheckpointsAndResumeEndsWithTheSameResults() throws {
        try #require(MPIJob.available)
        let dir = MPIJob.tempDir("search-usr1")
        let cfg = try Self.configFile(dir, Self.search.replacingOccurrences(of: "max_epochs: 8", with: "max_epochs: 12"))
        let full = try MPIJob.run(ranks: 3, ["search", "--config", cfg, "--out", "full"], in: dir, deadline: 120)
        #expect(full.status == 0)
        let cut = try MPIJob.run(ranks: 3, ["search", "--config", cfg, "--out", "cut"], in: dir, deadline: 120,
                                 signal: (after: "[1/4]", signal: SIGUSR1))
        #expect(cut.status == 3, "SIGUSR1 ends the job with the documented code 3: \(cut.output.suffix(600))")
        #expect(FileManager.default.fileExists(atPath: dir + "/cut/search_state.json"))
        let resumed = try MPIJob.run(ranks: 2, ["search", "--resume", "cut"], in: dir, deadline: 120)
        #expect(resumed.status == 0, "\(resumed.output.suffix(600))")
        #expect(try Table(dir + "/cut/results.h5") == Table(dir + "/full/results.h5"))
    }

    @Test func killMinus9ThenResumeEndsWithTheSameResults() throws {
        try #require(MPIJob.available)
        let dir = MPIJob.tempDir("search-kill")
        let cfg = try Self.configFile(dir)
        let full = try MPIJob.run(ranks: 2, ["search", "--config", cfg, "--out", "full"], in: dir, deadline: 120)
        #expect(full.status == 0)
        let killed = try MPIJob.run(ranks: 2, ["search", "--config", cfg, "--out", "cut"], in: dir, deadline: 120,
                                    signal: (after: "[2/4]", signal: SIGKILL))
        #expect(killed.status != 0)
        let data = try String(contentsOfFile: dir + "/cut/search_state.json", encoding: .utf8)
        #expect(data.contains("completed"), "finished trials were checkpointed before the kill")
        let resumed = try MPIJob.run(ranks: 3, ["search", "--resume", "cut"], in: dir, deadline: 120)
        #expect(resumed.status == 0, "\(resumed.output.suffix(600))")
        #expect(try Table(dir + "/cut/results.h5") == Table(dir + "/full/results.h5"))
    }

    @Test func killMinus9WithResultsOnlyInTheJournalThenResumeEndsWithTheSameResults() throws {
        try #require(MPIJob.available)
        let dir = MPIJob.tempDir("search-journal")
        let cfg = try Self.configFile(dir, Self.search.replacingOccurrences(of: "trials_per_size: 2", with: "trials_per_size: 4"))
        // No compaction before the kill: the finished rows are in the journal alone (docs/search.md §5).
        let rarely = ["SPIKESAE_SEARCH_COMPACT_EVERY": "1000"]
        let full = try MPIJob.run(ranks: 3, ["search", "--config", cfg, "--out", "full"], environment: rarely, in: dir, deadline: 180)
        #expect(full.status == 0, "\(full.output.suffix(600))")
        let killed = try MPIJob.run(ranks: 3, ["search", "--config", cfg, "--out", "cut"], environment: rarely, in: dir,
                                    deadline: 180, signal: (after: "[3/8]", signal: SIGKILL))
        #expect(killed.status != 0)
        let state = try String(contentsOfFile: dir + "/cut/search_state.json", encoding: .utf8)
        #expect(!state.contains("\"completed\""))
        let resumed = try MPIJob.run(ranks: 2, ["search", "--resume", "cut"], in: dir, deadline: 180)
        #expect(resumed.status == 0, "\(resumed.output.suffix(600))")
        // The coordinator may record one more result between "[3/8]" and the kill reaching it.
        let done = try #require(resumed.output.firstMatch(of: /resuming cut: (\d) of 8 rows done \((\d) from the journal\)/),
                                "\(resumed.output.prefix(1500))")
        let recorded = Int(done.1)!
        #expect(recorded >= 3 && recorded < 8 && done.2 == done.1)
        #expect(resumed.count("] size ") == 8 - recorded, "recorded rows are not trained again")
        #expect(try Table(dir + "/cut/results.h5") == Table(dir + "/full/results.h5"))
    }

    @Test func aDivergingTrialIsRecordedAndTheSearchGoesOn() throws {
        try #require(MPIJob.available)
        let dir = MPIJob.tempDir("search-diverge")
        // With seed 0 the third trial of the full size draws lr = 1e6 and the others 0.02.
        let cfg = try Self.configFile(dir, Self.search.replacingOccurrences(
            of: "dropout_rate: {dist: uniform, min: 0.0, max: 0.2}", with: "lr: {dist: choice, values: [1.0e6, 0.02]}")
            .replacingOccurrences(of: "trials_per_size: 2", with: "trials_per_size: 3"))
        let r = try MPIJob.run(ranks: 3, ["search", "--config", cfg, "--out", "run", "--set", "max_grad_norm=1e30"],
                               in: dir, deadline: 120)
        #expect(r.status == 0, "\(r.output.suffix(600))")
        let t = try Table(dir + "/run/results.h5")
        #expect(t.status.contains(3), "some trial diverged: \(t.status)")
        #expect(t.status.contains(2), "and some completed")
    }

    @Test func badInputStopsEveryRankWithOneMessage() throws {
        try #require(MPIJob.available)
        let dir = MPIJob.tempDir("search-bad")
        let cfg = try Self.configFile(dir, Self.search + "\n  colour: blue\n")
        let r = try MPIJob.run(ranks: 3, ["search", "--config", cfg, "--out", "run"], in: dir, deadline: 60)
        #expect(r.status == 1 && !r.timedOut)
        #expect(r.count("unknown key 'search.colour'") == 1, "\(r.output)")
        let uneven = try MPIJob.run(ranks: 4, ["search", "--config", try Self.configFile(dir), "--out", "run2",
                                               "--set", "search.ranks_per_model=2"], in: dir, deadline: 60)
        #expect(uneven.status == 1 && uneven.count("does not divide") == 1, "\(uneven.output)")
        let knob = try MPIJob.run(ranks: 3, ["search", "--config", try Self.configFile(dir), "--out", "run3"],
                                  environment: ["SPIKESAE_SEARCH_COMPACT_EVERY": "often"], in: dir, deadline: 60)
        #expect(knob.status == 1 && knob.count("SPIKESAE_SEARCH_COMPACT_EVERY=often") == 1, "\(knob.output)")
    }
}
