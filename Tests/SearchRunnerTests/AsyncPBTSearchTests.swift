import Foundation
import Testing
@testable import App
@testable import SearchRunner
import Store
import TestSupport

/// Asynchronous PBT end to end in one process (docs/search.md §4): the same decisions for the same
/// completion order, resume after a kill -9 exact, and only the members' latest states kept.
@Suite(.serialized)
struct AsyncPBTSearchTests {
    static let config = TinyConfig.yaml(maxEpochs: 2, posteriorSamples: 2) + """
        search:
          method: pbt
          pbt_schedule: async
          sizes: [1.0, 0.5]
          population: 3
          epochs_per_generation: 1
          max_generations: 3
          seed: 4
          space:
            lr: {dist: log_uniform, min: 0.005, max: 0.03, init: 0.02}
            dropout_rate: {dist: uniform, min: 0.0, max: 0.2}
        """

    static func ints(_ dir: String, _ name: String) throws -> [Int] {
        try H5File.open(dir + "/run/results.h5").readInt64("trials/" + name).values.map { Int($0) }
    }

    /// The uninterrupted search, shared.
    nonisolated(unsafe) static var fullRun: String?
    static func full() throws -> String {
        if let d = fullRun { return d }
        let d = TinyConfig.tempDir("async", "full")
        #expect(try SearchRun.run(try SearchJournalTests.options(d, config: config, resume: false), compaction: nil) { _ in } == .ok)
        fullRun = d
        return d
    }

    @Test func anAsyncSearchRecordsItsCompletionOrderAndLineageAndKeepsOnlyTheLatestStates() throws {
        let d = try Self.full()
        let f = try H5File.open(d + "/run/results.h5")
        #expect(try f.stringAttribute("pbt_schedule") == "async")
        let order = try Self.ints(d, "completed_as"), start = try Self.ints(d, "start_row")
        let trial = try Self.ints(d, "trial"), gen = try Self.ints(d, "generation"), size = try Self.ints(d, "size_index")
        #expect(order.count == 2 * 3 * 3)
        #expect(order.sorted() == Array(0..<18))
        for k in order.indices {
            // A row starts fresh (generation 0) or from a row of its size recorded before it.
            if gen[k] == 0 { #expect(start[k] == -1) } else {
                #expect(start[k] >= 0 && size[start[k]] == size[k] && order[start[k]] < order[k] && gen[start[k]] == gen[k] - 1)
            }
        }
        // Only each member's latest state file is left (6), plus the rates of the selected models.
        let states = try FileManager.default.contentsOfDirectory(atPath: d + "/run/state").filter { $0.hasPrefix("size") }
        #expect(states.sorted() == (0..<2).flatMap { s in (0..<3).map { "size\(s)_member\($0)_gen2.h5" } }.sorted(), "\(states)")
        _ = trial
    }

    /// A kill -9 at any point leaves the checkpoint and journal; resume replays the recorded order.
    @Test(arguments: [7])
    func aKillThenResumeEndsWithTheUninterruptedTable(at: Int) throws {
        let full = try Self.full(), cut = TinyConfig.tempDir("async", "cut\(at)"), run = TinyConfig.tempDir("async", "run\(at)")
        // A compaction every 3 results: the kill leaves both a checkpoint with results and journal lines after it.
        try SearchJournalTests.runWithSnapshot(run, config: Self.config, at: at, snapshot: cut, compactEvery: 3)
        // The checkpoint names state files by their paths, so the killed files go back where they were.
        let fm = FileManager.default, done = TinyConfig.tempDir("async", "done\(at)")
        try fm.moveItem(atPath: run + "/run", toPath: done + "/run")
        try fm.moveItem(atPath: cut + "/run", toPath: run + "/run")
        _ = try SearchJournalTests.resume(run)
        try SearchJournalTests.expectSameResults(full, run)
        try SearchJournalTests.expectSameResults(full, done)
    }

    /// Another completion order (as with several groups) changes decisions; that order, replayed,
    /// gives the same table again.
    @Test func aReplayedCompletionOrderGivesTheSameTable() throws {
        let full = try Self.full()
        // Members 1 and 2 of size 0 report before member 0: a valid order another schedule could record.
        let order = [1, 2, 0, 3, 4, 5]
        let a = TinyConfig.tempDir("async", "orderA"), b = TinyConfig.tempDir("async", "orderB")
        for d in [a, b] {
            #expect(try SearchRun.run(try SearchJournalTests.options(d, config: Self.config, resume: false), compaction: nil,
                                      completionOrder: order) { _ in } == .ok)
        }
        #expect(Array(try Self.ints(a, "completed_as").prefix(3)) == [2, 0, 1])
        try SearchJournalTests.expectSameResults(a, b)
        let (pa, pf) = (try Self.ints(a, "parent") + Self.ints(a, "start_row"), try Self.ints(full, "parent") + Self.ints(full, "start_row"))
        let (ha, hf) = (try H5File.open(a + "/run/results.h5").readDouble("trials/hps").values,
                        try H5File.open(full + "/run/results.h5").readDouble("trials/hps").values)
        #expect(pa != pf || ha != hf, "a different order should change some decision")
        // A row that is never runnable in its turn is refused, naming the knob.
        let bad = TinyConfig.tempDir("async", "bad")
        #expect { _ = try SearchRun.run(try SearchJournalTests.options(bad, config: Self.config, resume: false), compaction: nil,
                                        completionOrder: [17]) { _ in } } throws: { "\($0)".contains("SPIKESAE_SEARCH_COMPLETION_ORDER: row 17") }
    }
}
