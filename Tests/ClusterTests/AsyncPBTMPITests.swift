import Foundation
import Store
import Testing

/// Asynchronous PBT under mpirun (docs/search.md §4): two groups finish intervals in an order
/// that depends on timing; the journal records it, so a kill -9 and a resume end with exactly the
/// table that any run recording the same order gives (here: one process, and 2 groups again).
@Suite(.serialized)
struct AsyncPBTMPITests {
    static let config = TinyRun.config.replacingOccurrences(of: "posterior_samples: 5", with: "posterior_samples: 2") + """

        search:
          method: pbt
          pbt_schedule: async
          sizes: [1.0]
          population: 4
          epochs_per_generation: 2
          max_generations: 3
          seed: 6
          space:
            lr: {dist: log_uniform, min: 0.005, max: 0.03, init: 0.02}
            dropout_rate: {dist: uniform, min: 0.0, max: 0.2}
        """

    struct Table: Equatable, CustomStringConvertible {
        var status: [Int64], parent: [Int64], startRow: [Int64], completedAs: [Int64]
        var hps: [Double], validNLL: [Double], bestRates: [Float]
        init(_ path: String) throws {
            let f = try H5File.open(path)
            status = try f.readInt64("trials/status").values
            parent = try f.readInt64("trials/parent").values
            startRow = try f.readInt64("trials/start_row").values
            completedAs = try f.readInt64("trials/completed_as").values
            hps = try f.readDouble("trials/hps").values
            bestRates = try f.readFloat("best/size0/valid_rates").values
            let m = try f.readDouble("trials/metrics")
            validNLL = stride(from: 0, to: m.values.count, by: m.shape[1]).map { m.values[$0] }
        }

        /// Short enough to read in a failure message (the rates are thousands of numbers).
        var description: String {
            "parent \(parent), start_row \(startRow), completed_as \(completedAs), valid NLL \(validNLL), "
                + "\(bestRates.count) rates summing to \(bestRates.reduce(0, +))"
        }

        /// The rows in the order their results were recorded.
        var order: [Int] { completedAs.indices.sorted { completedAs[$0] < completedAs[$1] } }
    }

    @Test func aKilledAndResumedSearchEqualsEveryRunThatRecordsItsCompletionOrder() throws {
        try #require(MPIJob.available, "mpirun or the spikesae binary is missing")
        let dir = MPIJob.tempDir("async-pbt")
        let cfg = dir + "/async.yaml"
        try Self.config.write(toFile: cfg, atomically: true, encoding: .utf8)
        let killed = try MPIJob.run(ranks: 3, ["search", "--config", cfg, "--out", "cut"], in: dir, deadline: 180,
                                    signal: (after: "[5/", signal: SIGKILL))
        #expect(killed.status != 0)
        #expect(killed.output.contains("asynchronous"), "\(killed.output.prefix(800))")
        let resumed = try MPIJob.run(ranks: 3, ["search", "--resume", "cut"], in: dir, deadline: 180)
        #expect(resumed.status == 0, "\(resumed.output.suffix(800))")
        #expect(resumed.output.contains("resuming cut: "))
        let cut = try Table(dir + "/cut/results.h5")
        #expect(cut.status == Array(repeating: 2, count: 12), "every member-interval completed")
        #expect(cut.completedAs.sorted() == Array(0..<12))
        let orderFile = dir + "/order.txt"
        try cut.order.map(String.init).joined(separator: "\n").write(toFile: orderFile, atomically: true, encoding: .utf8)
        let env = ["SPIKESAE_SEARCH_COMPLETION_ORDER": orderFile]
        // One process runs the rows in that order; two groups hold early results back until their turn.
        for np in [1, 3] {
            let r = try MPIJob.run(ranks: np, ["search", "--config", cfg, "--out", "np\(np)"], environment: env, in: dir, deadline: 180)
            #expect(r.status == 0, "np \(np): \(r.output.suffix(800))")
            #expect(try Table(dir + "/np\(np)/results.h5") == cut, "np \(np)")
        }
        // Generation 0 recorded last member first: two groups must hold rows 0–2 back for row 3. The
        // order after those four is free, so one process then replays the whole order they recorded.
        try "3 2 1 0".write(toFile: orderFile, atomically: true, encoding: .utf8)
        var tables: [Table] = []
        for np in [3, 1] {
            let r = try MPIJob.run(ranks: np, ["search", "--config", cfg, "--out", "rev\(np)"], environment: env, in: dir, deadline: 180)
            #expect(r.status == 0, "np \(np): \(r.output.suffix(800))")
            tables.append(try Table(dir + "/rev\(np)/results.h5"))
            try tables[0].order.map(String.init).joined(separator: "\n").write(toFile: orderFile, atomically: true, encoding: .utf8)
        }
        #expect(Array(tables[0].completedAs.prefix(4)) == [3, 2, 1, 0])
        #expect(tables[1] == tables[0])
    }
}
