import Config
import Foundation
import LFADS
import Testing
@testable import Search

/// Asynchronous PBT (`pbt_schedule: async`, docs/search.md §4) as a pure state machine: the
/// decisions depend on the seed and on the order in which results are recorded, nothing else.
@Suite struct AsyncPBTPlanTests {
    static func spec(population: Int = 6, maxGenerations: Int = 4) -> SearchSpec {
        var s = Fake.spec(.pbt, population: population, maxGenerations: maxGenerations, patience: 50)
        s.pbtSchedule = .async
        return s
    }

    static func plan(_ s: SearchSpec = spec(), sizes: [Int] = [40, 20]) throws -> SearchPlan {
        try Fake.plan(s, sizes: sizes)
    }

    /// W groups that each take the next runnable item when free; an item of row r takes
    /// `duration(r)`. Results are recorded in the order they finish (ties by row). Returns that
    /// order and every path complete() retired.
    static func simulate(_ p: SearchPlan, workers: Int, diverge: Set<Int> = [],
                         duration: (Int) -> Double) throws -> (order: [Int], retired: [String], items: [WorkItem]) {
        var running: [(end: Double, item: WorkItem)] = [], now = 0.0
        var order: [Int] = [], retired: [String] = [], items: [WorkItem] = []
        while true {
            while running.count < workers, let item = p.next() {
                running.append((now + duration(item.row), item))
                items.append(item)
            }
            guard let k = running.indices.min(by: { (running[$0].end, running[$0].item.row) < (running[$1].end, running[$1].item.row) })
            else { break }
            let (end, item) = running.remove(at: k)
            now = end
            order.append(item.row)
            retired += try p.complete(Fake.result(item, diverge: diverge))
        }
        return (order, retired, items)
    }

    /// Runs the rows exactly in `order`, as a coordinator replaying a recorded completion order does.
    static func replay(_ p: SearchPlan, _ order: [Int], diverge: Set<Int> = []) throws -> [WorkItem] {
        var items: [WorkItem] = []
        for row in order {
            let item = try #require(p.next(row: row), "row \(row) is runnable when its turn comes")
            items.append(item)
            try p.complete(Fake.result(item, diverge: diverge))
        }
        return items
    }

    /// Durations that differ per row, so groups finish out of member order.
    static func jitter(_ salt: UInt64) -> (Int) -> Double {
        { row in
            var g = keyedStream(seed: salt, .search, 99, UInt64(row))
            return 1 + g.uniform()
        }
    }

    @Test func aMemberIsQueuedAgainAsSoonAsItFinishesItsInterval() throws {
        let p = try Self.plan(sizes: [40])
        var items: [WorkItem] = []
        while let i = p.next() { items.append(i) }
        #expect(items.count == 6)
        try p.complete(Fake.result(items[2]))
        // No barrier: member 2's next interval is runnable while the others still train.
        let next = try #require(p.next())
        #expect(p.rows[next.row].trial == 2 && p.rows[next.row].generation == 1)
        #expect(next.startState == "\(Fake.stateDir)/size0_member2_gen0.h5")
        #expect(p.rows[next.row].startRow == items[2].row)
        #expect(p.rows[items[2].row].completedAs == 0)
        #expect(p.next() == nil)
    }

    @Test func theBottomQuantileCopiesATopMembersLatestCheckpointAndPerturbsItsHyperparameters() throws {
        let p = try Self.plan(Self.spec(population: 4), sizes: [40])
        var items: [WorkItem] = []
        while let i = p.next() { items.append(i) }
        func finish(_ m: Int, _ nll: Double) throws {
            try p.complete(WorkResult(row: items[m].row, status: .completed, metrics: ["valid_nll": nll], history: [], detail: ""))
        }
        func nextRow(_ m: Int) -> TrialRecord { p.rows.last { $0.trial == m }! }
        try finish(0, 0.5)   // alone: nobody to rank against
        #expect(nextRow(0).parent == -1 && nextRow(0).generation == 1)
        try finish(1, 0.1)   // 2 reported: member 1 is the top quantile
        #expect(nextRow(1).parent == -1)
        try finish(2, 0.9)   // 3 reported, quantiles of 1: member 2 is the worst, member 1 the best
        let copied = nextRow(2)
        #expect(copied.parent == 1 && copied.startRow == items[1].row)
        #expect(p.rows[items[2].row].notes.contains { $0.contains("copies member 1's row \(items[1].row)") })
        try finish(3, 0.3)   // 4 reported: 1, 3, 0, 2 — member 3 is neither worst nor copied
        #expect(nextRow(3).parent == -1 && nextRow(3).startRow == items[3].row)
        var handed: [Int: WorkItem] = [:]
        while let i = p.next() { handed[p.rows[i.row].trial] = i }
        let item = try #require(handed[2])
        #expect(item.startState == "\(Fake.stateDir)/size0_member1_gen0.h5")
        let ratio = item.hp.lr / items[1].hp.lr
        #expect(ratio <= 1.3 + 1e-12 && ratio >= 1 / 1.3 - 1e-12 && ratio != 1)
        #expect(item.hp.seed == items[1].hp.seed, "everything but the searched values is the source's")
        #expect(handed[0]?.hp == items[0].hp, "a member that did not copy keeps its hyperparameters")
    }

    @Test func theSameCompletionOrderGivesTheSameDecisionsAndAnotherOrderMayNot() throws {
        let diverge: Set<Int> = [3, 17]
        let a = try Self.plan()
        let runA = try Self.simulate(a, workers: 3, diverge: diverge, duration: Self.jitter(1))
        #expect(a.isDone)
        #expect(a.rows.count == 2 * 6 * 4, "every member runs max_generations intervals")
        #expect(a.rows.contains { $0.parent >= 0 }, "the test needs some copies")
        // The same order, replayed one row at a time (as by one group, or after a resume): the same plan.
        let b = try Self.plan()
        let itemsB = try Self.replay(b, runA.order, diverge: diverge)
        #expect(itemsB.sorted { $0.row < $1.row } == runA.items.sorted { $0.row < $1.row })
        #expect(try Fake.encoded(a) == Fake.encoded(b))
        #expect(b.rows.map(\.completedAs) == a.rows.map(\.completedAs))
        // Other timings record results in another order, which changes what members see.
        let c = try Self.plan()
        let runC = try Self.simulate(c, workers: 3, diverge: diverge, duration: Self.jitter(2))
        #expect(runC.order != runA.order)
        #expect(c.rows.map(\.parent) != a.rows.map(\.parent) || c.rows.map(\.hps) != a.rows.map(\.hps))
    }

    @Test(arguments: [1, 7, 20, 40])
    func aPlanResumedFromItsCheckpointEndsExactlyLikeAnUninterruptedOne(stopAfter: Int) throws {
        let diverge: Set<Int> = [3, 17]
        let full = try Self.plan()
        let order = try Self.simulate(full, workers: 4, diverge: diverge, duration: Self.jitter(5)).order
        let part = try Self.plan()
        _ = try Self.replay(part, Array(order.prefix(stopAfter)), diverge: diverge)
        _ = part.next()   // in flight at the kill
        let resumed = try CheckpointTests.decode(try Fake.encoded(part))
        #expect(resumed.rows.filter { $0.status == .running }.isEmpty)
        _ = try Self.replay(resumed, Array(order.dropFirst(stopAfter)), diverge: diverge)
        try CheckpointTests.sameRows(full, resumed)
    }

    @Test func retiredStateFilesAreNeverStartedFromOrCopiedAndTheSelectedOnesSurvive() throws {
        let p = try Self.plan(Self.spec(population: 5, maxGenerations: 6))
        let run = try Self.simulate(p, workers: 3, diverge: [4, 11, 12, 30], duration: Self.jitter(7))
        let retired = Set(run.retired)
        #expect(run.retired.count == retired.count, "each file is retired once")
        var bad: [String] = []
        var retiredSoFar = Set<String>()
        // Replaying the order: a start state must not have been retired before the item is handed out.
        let q = try Self.plan(Self.spec(population: 5, maxGenerations: 6))
        for row in run.order {
            let item = try #require(q.next(row: row))
            if let s = item.startState, retiredSoFar.contains(s) { bad.append("row \(row) starts from retired \(s)") }
            retiredSoFar.formUnion(try q.complete(Fake.result(item, diverge: [4, 11, 12, 30])))
        }
        #expect(bad.isEmpty, "\(bad)")
        for (_, r) in p.selected() { #expect(!retired.contains(p.stateFile(r))) }
        // Everything but the members' latest completed states is cleaned up by the end.
        let written = Set(p.rows.map { p.stateFile($0) })
        let kept = written.subtracting(retired)
        #expect(kept.count == 2 * 5, "\(kept.sorted())")
    }

    @Test func selectionIsAmongEachMembersLatestCompletedRow() throws {
        let p = try Self.plan()
        _ = try Self.simulate(p, workers: 2, diverge: [], duration: Self.jitter(3))
        for si in 0..<2 {
            let s = try #require(p.selected()[si])
            let latest = (0..<6).map { m in p.rows.filter { $0.sizeIndex == si && $0.trial == m }.max { $0.generation < $1.generation }! }
            #expect(s.row == latest.min { p.fitness($0) < p.fitness($1) }!.row)
        }
    }

    /// Member 0 was the best, then diverged: its earlier state is kept, and selected.
    @Test func aMemberWhoseLastIntervalDivergedIsSelectedByItsLatestCompletedRow() throws {
        let p = try Self.plan(Self.spec(population: 4, maxGenerations: 2), sizes: [40])
        while let i = p.next() {
            let r = p.rows[i.row]
            let nll = r.generation == 0 ? [0.1, 0.5, 0.6, 0.7][r.trial] : 0.4 + 0.01 * Double(r.trial)
            try p.complete(r.generation == 1 && r.trial == 0
                ? WorkResult(row: i.row, status: .diverged, metrics: [:], history: [], detail: "nan")
                : WorkResult(row: i.row, status: .completed, metrics: ["valid_nll": nll], history: [], detail: ""))
        }
        #expect(p.isDone)
        #expect(p.selected()[0]?.row == 0)
    }

    @Test func aSyncPlansCheckpointHasNoneOfTheAsyncFields() throws {
        let p = try Fake.plan(Fake.spec(.pbt, population: 4, maxGenerations: 2), sizes: [40])
        try Fake.drive(p)
        let json = try Fake.encoded(p)
        for key in ["async", "recorded", "startRow", "completedAs", "pbtSchedule"] { #expect(!json.contains("\"\(key)\""), "\(key)") }
    }
}
