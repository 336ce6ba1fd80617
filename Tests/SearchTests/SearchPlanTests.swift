import Config
import Foundation
import LFADS
import Testing
@testable import Search

/// Fake training: metrics are a pure function of the work item, so two plans fed the same way
/// must make the same decisions.
enum Fake {
    static let stateDir = "/nonexistent/state"

    static func result(_ item: WorkItem, diverge: Set<Int> = []) -> WorkResult {
        let hp = item.hp
        if diverge.contains(item.row) {
            return WorkResult(row: item.row, status: .diverged, metrics: ["valid_nll": .nan, "train_loss": .infinity, "epochs": 2],
                              history: [[0, 3.5, .nan], [1, .infinity, .nan]], detail: "non-finite loss at epoch 1")
        }
        // Best near lr = 1e-3 and little dropout; where the member started from matters a little too.
        let start = item.startState.map { Double($0.utf8.reduce(0) { $0 &+ Int($1) } % 97) * 1e-4 } ?? 0
        let nll = abs(Foundation.log(hp.lr / 1e-3)) + hp.dropoutRate + 0.05 * Double(item.sizeIndex) + start
            + 1e-7 * Double(item.row)
        return WorkResult(row: item.row, status: .completed,
                          metrics: ["valid_nll": nll, "samp_valid_nll": nll * 1.1, "epochs": 5, "samp_valid_nll_valid_trials": .nan],
                          history: [[0, nll + 1, .nan], [1, nll, .nan]], detail: "")
    }

    static let space: [String: ParameterRange] = [
        "lr": ParameterRange(.logUniform, min: 1e-4, max: 1e-2, explore: 1.3),
        "dropout_rate": ParameterRange(.uniform, min: 0, max: 0.5, explore: 1.3),
    ]

    static func spec(_ method: SearchSpec.Method, population: Int = 4, maxGenerations: Int = 3, patience: Int = 4,
                     trials: Int = 3, selectBy: SearchSpec.Selection = .validNLL) -> SearchSpec {
        var s = SearchSpec()
        s.method = method
        s.sizes = [1.0, 0.5, 0.25]
        s.seed = 3
        s.trialsPerSize = trials
        s.population = population
        s.epochsPerGeneration = 5
        s.maxGenerations = maxGenerations
        s.patienceGenerations = patience
        s.selectBy = selectBy
        s.space = space
        return s
    }

    static var base: Hyperparameters {
        var h = Hyperparameters()
        h.genDim = 16; h.maxEpochs = 40
        return h
    }

    static func plan(_ s: SearchSpec, sizes: [Int] = [64, 32, 16]) throws -> SearchPlan {
        try SearchPlan(spec: s, base: base, sizes: sizes, stateDir: stateDir)
    }

    /// Serial driver: next → fake result → complete, until done or `limit` results.
    /// Returns the items handed out and every path complete() declared obsolete.
    @discardableResult
    static func drive(_ p: SearchPlan, diverge: Set<Int> = [], limit: Int = .max) throws -> (items: [WorkItem], obsolete: [String]) {
        var items: [WorkItem] = [], obsolete: [String] = []
        while items.count < limit, let item = p.next() {
            items.append(item)
            obsolete += try p.complete(result(item, diverge: diverge))
        }
        return (items, obsolete)
    }

    static func encoded(_ v: some Encodable) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try enc.encode(v), as: UTF8.self)
    }
}

@Suite struct RandomSearchPlanTests {
    @Test func rowsAreSizesTimesTrialsInterleavedTrialMajor() throws {
        let p = try Fake.plan(Fake.spec(.random))
        #expect(p.rows.count == 9)
        #expect(p.rows.map(\.row) == Array(0..<9))
        #expect(p.rows.map(\.sizeIndex) == [0, 1, 2, 0, 1, 2, 0, 1, 2])
        #expect(p.rows.map(\.trial) == [0, 0, 0, 1, 1, 1, 2, 2, 2])
        #expect(p.rows.allSatisfy { $0.status == .pending && $0.parent == -1 && $0.generation == 0 })
        #expect(p.spec.searched == ["dropout_rate", "lr"])
        for r in p.rows {
            let hp = try sampleTrial(base: Fake.base, space: Fake.space, searchSeed: 3, size: r.sizeIndex, trial: r.trial)
            #expect(r.hps == ["lr": hp.lr, "dropout_rate": hp.dropoutRate], "row \(r.row)")
            #expect(r.seed == hp.seed)
        }
        #expect(Set(p.rows.map { $0.hps["lr"]! }).count == 9)
    }

    @Test func nextHandsOutEveryRowExactlyOnceAndCompleteRecordsTheResult() throws {
        let p = try Fake.plan(Fake.spec(.random))
        var items: [WorkItem] = []
        while let i = p.next() { items.append(i) }
        #expect(items.map(\.row) == Array(0..<9))
        #expect(p.rows.allSatisfy { $0.status == .running })
        #expect(p.next() == nil)
        #expect(!p.isDone)
        #expect(Set(items.map(\.outputState)).count == 9)
        for i in items {
            let r = p.rows[i.row]
            #expect(i.sizeIndex == r.sizeIndex && i.epochs == nil && i.startState == nil)
            #expect(i.outputState.hasPrefix(Fake.stateDir + "/"))
            #expect(i.hp == (try sampleTrial(base: Fake.base, space: Fake.space, searchSeed: 3, size: r.sizeIndex, trial: r.trial)))
            #expect(i.hp.genDim == 16 && i.hp.maxEpochs == 40)
        }
        // Results arrive in any order.
        for i in items.reversed() {
            let res = Fake.result(i, diverge: [4])
            #expect(try p.complete(res).isEmpty)
            #expect(p.rows[i.row].metrics.keys.sorted() == res.metrics.keys.sorted())
            #expect(p.rows[i.row].history.count == 2)
        }
        #expect(p.isDone)
        #expect(p.rows[4].status == .diverged && p.rows[4].notes == ["non-finite loss at epoch 1"])
        #expect(p.rows.filter { $0.status == .completed }.count == 8)
        #expect(p.rows[0].notes.isEmpty)
        #expect(p.rows[3].metrics["valid_nll"] == Fake.result(items[3]).metrics["valid_nll"])
        #expect(p.next() == nil)
    }

    /// Completes row r with the given status and metrics.
    static func finish(_ p: SearchPlan, _ r: Int, _ status: TrialStatus, _ m: [String: Double]) throws {
        try p.complete(WorkResult(row: r, status: status, metrics: m, history: [], detail: ""))
    }

    @Test func selectsTheLowestValidNLLPerSizeAmongCompletedRowsOnly() throws {
        let p = try Fake.plan(Fake.spec(.random))
        while p.next() != nil {}
        // size 0: rows 0, 3, 6; size 1: rows 1, 4, 7; size 2: rows 2, 5, 8.
        try Self.finish(p, 0, .completed, ["valid_nll": 0.5])
        try Self.finish(p, 3, .diverged, ["valid_nll": 0.2])     // lowest, but diverged
        try Self.finish(p, 6, .completed, ["valid_nll": 0.4])
        try Self.finish(p, 1, .completed, ["valid_nll": 0.3])
        try Self.finish(p, 4, .completed, ["valid_nll": 0.35])
        try Self.finish(p, 7, .failed, ["valid_nll": 0.1])
        try Self.finish(p, 2, .diverged, ["valid_nll": 0.1])
        try Self.finish(p, 5, .diverged, ["valid_nll": .nan])
        try Self.finish(p, 8, .failed, [:])
        let s = p.selected()
        #expect(s[0]?.row == 6)
        #expect(s[1]?.row == 1)
        #expect(s[2] == nil, "a size whose rows all diverged selects nothing")
        #expect(p.fitness(p.rows[6]) == 0.4)
        #expect(p.fitness(p.rows[3]).isNaN)
    }

    @Test func selectionWhilePartlyDoneUsesOnlyFinishedRows() throws {
        let p = try Fake.plan(Fake.spec(.random))
        while p.next() != nil {}
        #expect(p.selected().isEmpty)
        try Self.finish(p, 3, .completed, ["valid_nll": 0.7])
        #expect(p.selected().mapValues(\.row) == [0: 3])
    }

    @Test func selectsBySampleValidationNLLWhenAsked() throws {
        let p = try Fake.plan(Fake.spec(.random, selectBy: .sampValidNLL))
        while p.next() != nil {}
        // valid_nll and samp_valid_nll disagree; samp_valid_nll decides.
        try Self.finish(p, 0, .completed, ["valid_nll": 0.1, "samp_valid_nll": 0.9])
        try Self.finish(p, 3, .completed, ["valid_nll": 0.5, "samp_valid_nll": 0.3])
        try Self.finish(p, 6, .completed, ["valid_nll": 0.05])   // no samp_valid_nll: not selectable
        try Self.finish(p, 1, .completed, ["valid_nll": 0.2, "samp_valid_nll": 0.4])
        #expect(p.selected().mapValues(\.row) == [0: 3, 1: 1])
        #expect(p.fitness(p.rows[3]) == 0.3)
    }

    @Test func selectsTheHighestCoBPSOnEachSizesOwnValidationTrials() throws {
        let p = try Fake.plan(Fake.spec(.random, selectBy: .validCobps))
        while p.next() != nil {}
        // valid_cobps (the full valid split, for reports) must not decide: subset_valid_cobps does.
        func m(_ subset: Double, full: Double) -> [String: Double] { ["valid_nll": 0.3, "subset_valid_cobps": subset, "valid_cobps": full] }
        try Self.finish(p, 0, .completed, m(0.1, full: 0.9))
        try Self.finish(p, 3, .completed, m(0.3, full: 0.1))
        try Self.finish(p, 6, .completed, m(0.2, full: 0.2))
        try Self.finish(p, 1, .completed, m(-0.05, full: 0.5))
        try Self.finish(p, 4, .completed, m(-0.01, full: 0.0))
        try Self.finish(p, 7, .diverged, m(0.5, full: 0.5))
        #expect(p.selected().mapValues(\.row) == [0: 3, 1: 4])
        // Lower fitness is better, so co-bps enters negated.
        #expect(p.fitness(p.rows[3]) == -0.3)
    }
}

@Suite struct PBTPlanTests {
    static func pbtPlan(population: Int = 4, maxGenerations: Int = 3, patience: Int = 4) throws -> SearchPlan {
        try Fake.plan(Fake.spec(.pbt, population: population, maxGenerations: maxGenerations, patience: patience), sizes: [40, 20])
    }

    @Test func generationRowsAppearOnlyAfterEveryMemberOfThePreviousGenerationReported() throws {
        let p = try Self.pbtPlan()
        #expect(p.rows.count == 8)
        #expect(p.rows.map(\.sizeIndex) == [0, 0, 0, 0, 1, 1, 1, 1])
        #expect(p.rows.map(\.trial) == [0, 1, 2, 3, 0, 1, 2, 3])
        var items: [WorkItem] = []
        while let i = p.next() { items.append(i) }
        #expect(items.count == 8)
        for i in items {
            let m = p.rows[i.row].trial
            #expect(i.epochs == 5)
            #expect(i.startState == nil)
            #expect(i.outputState == "\(Fake.stateDir)/size\(i.sizeIndex)_member\(m)_gen0.h5")
            // A generation is a fixed number of epochs: no early stop or epoch limit inside it.
            #expect(i.hp.maxEpochs > 1_000_000 && i.hp.earlyStopPatience > 1_000_000)
        }
        for i in items.prefix(3) { try p.complete(Fake.result(i)) }
        // Size 1 finishing completely must not open generation 1 of size 0.
        for i in items.suffix(4) { try p.complete(Fake.result(i)) }
        #expect(p.rows.filter { $0.sizeIndex == 0 }.count == 4)
        #expect(p.rows.filter { $0.sizeIndex == 1 && $0.generation == 1 }.count == 4)
        #expect(p.pbt[0].generation == 0 && p.pbt[1].generation == 1)
        try p.complete(Fake.result(items[3]))
        let gen1 = p.rows.filter { $0.sizeIndex == 0 && $0.generation == 1 }
        #expect(gen1.map(\.trial) == [0, 1, 2, 3])
        #expect(gen1.allSatisfy { $0.status == .pending })
        #expect(p.rows.count == 16)
    }

    @Test func losersCopyTheWinnersFinishedStateAndGetPerturbedHyperparameters() throws {
        let p = try Self.pbtPlan()
        let gen0 = try Fake.drive(p, limit: 4).items   // size 0, generation 0
        let fit = gen0.map { p.fitness(p.rows[$0.row]) }
        #expect(fit.allSatisfy { $0.isFinite })
        let copies = PBTPolicy(space: Fake.space, seed: 3).exploit(fitness: fit, size: 0, generation: 0)
        #expect(!copies.isEmpty && copies.count < 4, "the test needs winners and losers: \(fit)")
        // Hand out generation 1 of size 0 (size 1's generation 0 comes first).
        var next: [Int: WorkItem] = [:]
        while let i = p.next() { if i.sizeIndex == 0 { next[p.rows[i.row].trial] = i } }
        #expect(next.count == 4)
        for m in 0..<4 {
            let item = try #require(next[m]), row = p.rows[item.row]
            #expect(row.generation == 1)
            #expect(item.outputState == "\(Fake.stateDir)/size0_member\(m)_gen1.h5")
            if let w = copies[m] {
                #expect(fit[w] < fit[m])
                #expect(row.parent == w)
                #expect(item.startState == "\(Fake.stateDir)/size0_member\(w)_gen0.h5")
                #expect(p.rows[gen0[m].row].notes.contains { $0.contains("loses to member \(w)") })
                // Perturbed from the winner's values, within the explore factor and the limits.
                let old = gen0[w].hp
                for (n, v) in [("lr", item.hp.lr / old.lr), ("dropout_rate", item.hp.dropoutRate / old.dropoutRate)] {
                    #expect(v <= 1.3 + 1e-12 && v >= 1 / 1.3 - 1e-12, "member \(m) \(n) × \(v)")
                }
                #expect(item.hp.lr != old.lr && item.hp.lr != gen0[m].hp.lr)
                #expect(row.hps["lr"] == item.hp.lr)
                // Everything else is the winner's.
                #expect(item.hp.seed == old.seed && item.hp.genDim == old.genDim)
            } else {
                #expect(row.parent == -1)
                #expect(item.startState == "\(Fake.stateDir)/size0_member\(m)_gen0.h5")
                #expect(item.hp == gen0[m].hp)
            }
        }
    }

    @Test func eachSizeStopsAfterMaxGenerationsAndSelectsFromTheLastGeneration() throws {
        let p = try Self.pbtPlan(population: 4, maxGenerations: 3)
        let items = try Fake.drive(p).items
        #expect(p.isDone)
        #expect(p.next() == nil)
        #expect(items.count == 2 * 4 * 3)
        #expect(p.rows.count == 24)
        for si in 0..<2 {
            #expect(p.pbt[si].finished)
            #expect(p.pbt[si].bestPerGeneration.count == 3)
            #expect(Set(p.rows.filter { $0.sizeIndex == si }.map(\.generation)) == [0, 1, 2])
            let last = p.rows.filter { $0.sizeIndex == si && $0.generation == 2 }
            let s = try #require(p.selected()[si])
            #expect(s.generation == 2)
            #expect(s.row == last.min { p.fitness($0) < p.fitness($1) }!.row)
        }
    }

    @Test func aSizeStopsEarlyOnAPlateau() throws {
        // Patience 1 and a small population: the fake fitness of the best member barely moves.
        var s = Fake.spec(.pbt, population: 2, maxGenerations: 50, patience: 1)
        s.minImprovement = 10   // any change counts as a plateau
        let p = try Fake.plan(s, sizes: [40])
        try Fake.drive(p)
        #expect(p.isDone)
        #expect(p.pbt[0].finished)
        #expect(p.pbt[0].bestPerGeneration.count == 2)
        #expect(p.rows.count == 4)
    }

    @Test func aDivergedMemberLosesItsTournamentAndIsNeverSelected() throws {
        let p = try Self.pbtPlan(population: 4, maxGenerations: 2)
        // Member 0 of size 0 diverges in generation 0 (row 0) and in generation 1.
        var items: [WorkItem] = []
        while let i = p.next() {
            items.append(i)
            let row = p.rows[i.row]
            if row.sizeIndex == 0 && row.trial == 0 {
                // A diverged row reporting a very low valid NLL must still lose: status decides.
                try p.complete(WorkResult(row: i.row, status: .diverged, metrics: ["valid_nll": -100], history: [], detail: "nan"))
            } else {
                try p.complete(Fake.result(i))
            }
        }
        #expect(p.isDone)
        let g1 = try #require(p.rows.first { $0.sizeIndex == 0 && $0.generation == 1 && $0.trial == 0 })
        #expect(g1.parent >= 1)
        let item = try #require(items.first { $0.row == g1.row })
        #expect(item.startState == "\(Fake.stateDir)/size0_member\(g1.parent)_gen0.h5")
        #expect(p.fitness(p.rows[0]).isNaN)
        // No member ever copies member 0.
        #expect(p.rows.allSatisfy { $0.parent != 0 || $0.sizeIndex != 0 })
        #expect(p.selected()[0]?.trial != 0)
        #expect(p.selected()[0] != nil)
    }

    @Test func stateFilesDeclaredObsoleteAreNeverStartedFromLater() throws {
        // Population 2: in generation 1 both members of size 0 diverge, so neither has a better
        // opponent and both restart from their last good (generation 0) state.
        let p = try Self.pbtPlan(population: 2, maxGenerations: 4)
        var deleted = Set<String>()
        var badStarts: [String] = []
        while let i = p.next() {
            if let s = i.startState, deleted.contains(s) { badStarts.append("row \(i.row) starts from deleted \(s)") }
            let r = p.rows[i.row]
            let res = r.sizeIndex == 0 && r.generation == 1
                ? WorkResult(row: i.row, status: .diverged, metrics: [:], history: [], detail: "nan")
                : Fake.result(i)
            deleted.formUnion(try p.complete(res))
        }
        #expect(badStarts.isEmpty, "\(badStarts)")
        for (si, r) in p.selected() {
            #expect(!deleted.contains("\(Fake.stateDir)/size\(si)_member\(r.trial)_gen\(r.generation).h5"))
        }
        // Generation 2 of size 0 really did restart from generation 0's files.
        let g2 = p.rows.filter { $0.sizeIndex == 0 && $0.generation == 2 }
        #expect(g2.count == 2 && g2.allSatisfy { $0.parent == -1 })
    }
}

@Suite struct CheckpointTests {
    static func decode(_ json: String) throws -> SearchPlan {
        let dec = JSONDecoder()
        dec.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try dec.decode(SearchPlan.self, from: Data(json.utf8)).attach(space: Fake.space, stateDir: Fake.stateDir)
    }

    static func sameRows(_ a: SearchPlan, _ b: SearchPlan) throws {
        #expect(a.rows.count == b.rows.count)
        for (x, y) in zip(a.rows, b.rows) {
            #expect(x.hps == y.hps && x.parent == y.parent && x.status == y.status && x.seed == y.seed
                    && x.generation == y.generation && x.trial == y.trial && x.sizeIndex == y.sizeIndex, "row \(x.row)")
            #expect(try Fake.encoded(x) == Fake.encoded(y), "row \(x.row)")
        }
        #expect(a.selected().mapValues(\.row) == b.selected().mapValues(\.row))
        #expect(try Fake.encoded(a) == Fake.encoded(b))
    }

    @Test(arguments: [(SearchSpec.Method.random, 1), (.random, 5), (.pbt, 1), (.pbt, 6), (.pbt, 8), (.pbt, 13)])
    func aResumedPlanEndsExactlyLikeAnUninterruptedOne(method: SearchSpec.Method, stopAfter: Int) throws {
        let spec = Fake.spec(method, population: 4, maxGenerations: 3)
        let diverge: Set<Int> = [2, 9]
        let full = try Fake.plan(spec, sizes: [40, 20])
        let fullItems = try Fake.drive(full, diverge: diverge).items
        #expect(full.isDone)

        let part = try Fake.plan(spec, sizes: [40, 20])
        let first = try Fake.drive(part, diverge: diverge, limit: stopAfter).items
        // One more item was handed out but never finished when the checkpoint was written.
        let running = try #require(part.next())
        #expect(part.rows[running.row].status == .running)
        let json = try Fake.encoded(part)
        #expect(json.contains("\"nan\""), "the test should exercise non-finite values")
        let resumed = try Self.decode(json)
        #expect(resumed.rows[running.row].status == .pending)
        #expect(resumed.rows.filter { $0.status == .running }.isEmpty)
        // Decoding loses nothing but the in-flight mark.
        #expect(resumed.rows.count == part.rows.count)
        #expect(try Fake.encoded(resumed) == json.replacingOccurrences(of: "\"running\"", with: "\"pending\""))
        let rest = try Fake.drive(resumed, diverge: diverge).items
        #expect(rest.first == running)
        #expect(first + rest == fullItems)
        try Self.sameRows(full, resumed)
    }
}
