import Config
import Foundation
import LFADS
import Vocabulary

/// The search's state machine (docs/search.md §4): which work comes next, what a finished result
/// changes, when a size is done, and which row each size selects. No I/O and no MPI, so the
/// same decisions come out of an in-process run, an MPI run and a resumed run.
public final class SearchPlan: Codable {
    public let spec: SearchSpecRecord
    public private(set) var rows: [TrialRecord] = []
    /// PBT: per size, the current generation and members' current hyperparameters and state files.
    public private(set) var pbt: [PBTSize] = []
    /// Every row before this one is running or finished: rows become pending only when appended.
    var pendingFrom = 0
    let baseHP: String   // hps JSON

    public struct PBTSize: Codable, Sendable {
        public var generation = 0
        public var memberHPs: [String] = []      // hps JSON per member
        public var memberStates: [String?] = []  // state file per member after the last finished generation
        public var memberParents: [Int] = []
        public var bestPerGeneration: [Double] = []
        public var finished = false
        /// Asynchronous PBT only (nil for sync, so a sync checkpoint is what it always was).
        public var async: AsyncMembers?
    }

    /// Asynchronous PBT, per member of one size: what the member's latest finished interval left
    /// for the others to rank it by and copy from (docs/search.md §4).
    public struct AsyncMembers: Codable, Sendable {
        /// The latest finished row's fitness (NaN: failed or diverged); nil before the first report.
        public var latest: [Double?]
        /// The latest completed row (−1: none yet): its state file is what others copy, its
        /// hyperparameters come with it (`goodHPs`), and it is the member's selection candidate.
        public var goodRow: [Int]
        public var goodHPs: [String?]
        /// The member has run its last interval (max_generations, or the size's plateau).
        public var done: [Bool]
        /// Results recorded at this size; every `population` of them adds a plateau round.
        public var results = 0

        init(population n: Int) {
            latest = Array(repeating: nil, count: n); goodRow = Array(repeating: -1, count: n)
            goodHPs = Array(repeating: nil, count: n); done = Array(repeating: false, count: n)
        }
    }

    /// The parts of the spec the plan needs, in a Codable form for checkpoints.
    public struct SearchSpecRecord: Codable, Sendable {
        public var method: SearchMethod, sizes: [Int], selectBy: SelectBy, seed: Int, trialsPerSize: Int
        public var population: Int, epochsPerGeneration: Int, maxGenerations: Int
        public var minImprovement: Double, patienceGenerations: Int
        public var searched: [String]
        /// nil: sync (and omitted from checkpoints, which stay as they were).
        public var pbtSchedule: PBTSchedule?
        public var isAsyncPBT: Bool { method == .pbt && pbtSchedule == .async }
    }

    let space: [String: ParameterRange]
    let stateDir: String

    /// Asynchronous PBT: results recorded so far, the next row's `completedAs`.
    var recorded = 0

    enum CodingKeys: String, CodingKey { case spec, rows, pbt, baseHP, recorded }

    /// sizes: trial counts per size (after resolving fractions). stateDir: where PBT/trial files go.
    public init(spec s: SearchSpec, base: Hyperparameters, sizes: [Int], stateDir: String) throws {
        spec = SearchSpecRecord(method: s.method, sizes: sizes, selectBy: s.selectBy, seed: s.seed,
                                trialsPerSize: s.trialsPerSize, population: s.population,
                                epochsPerGeneration: s.epochsPerGeneration, maxGenerations: s.maxGenerations,
                                minImprovement: s.minImprovement, patienceGenerations: s.patienceGenerations,
                                searched: s.space.keys.sorted(),
                                pbtSchedule: s.method == .pbt && s.pbtSchedule == .async ? .async : nil)
        space = s.space
        baseHP = base.jsonString()
        self.stateDir = stateDir
        if s.method == .random {
            // Trial-major, so a partial run already covers every size.
            for t in 0..<s.trialsPerSize {
                for si in sizes.indices {
                    let hp = try sampleTrial(base: base, space: space, searchSeed: s.seed, size: si, trial: t)
                    rows.append(TrialRecord(row: rows.count, sizeIndex: si, trial: t, generation: 0, seed: hp.seed,
                                            parent: -1, hps: searchedValues(hp)))
                }
            }
        } else {
            let policy = PBTPolicy(space: space, seed: s.seed)
            for si in sizes.indices {
                var p = PBTSize()
                for m in 0..<s.population {
                    let hp = try policy.initial(base: base, size: si, member: m)
                    p.memberHPs.append(hp.jsonString())
                    p.memberStates.append(nil)
                    p.memberParents.append(-1)
                }
                if spec.isAsyncPBT { p.async = AsyncMembers(population: s.population) }
                pbt.append(p)
                addGenerationRows(si)
            }
        }
    }

    /// Re-attaches the parts a checkpoint does not store.
    public func attach(space: [String: ParameterRange], stateDir: String) -> SearchPlan {
        SearchPlan(copying: self, space: space, stateDir: stateDir)
    }

    private init(copying o: SearchPlan, space: [String: ParameterRange], stateDir: String) {
        spec = o.spec; rows = o.rows; pbt = o.pbt; baseHP = o.baseHP; recorded = o.recorded
        self.space = space; self.stateDir = stateDir
        for i in rows.indices where rows[i].status == .running { rows[i].status = .pending }
    }

    public required init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        spec = try c.decode(SearchSpecRecord.self, forKey: .spec)
        rows = try c.decode([TrialRecord].self, forKey: .rows)
        pbt = try c.decode([PBTSize].self, forKey: .pbt)
        baseHP = try c.decode(String.self, forKey: .baseHP)
        recorded = try c.decodeIfPresent(Int.self, forKey: .recorded) ?? 0
        space = [:]; stateDir = ""
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(spec, forKey: .spec); try c.encode(rows, forKey: .rows)
        try c.encode(pbt, forKey: .pbt); try c.encode(baseHP, forKey: .baseHP)
        if spec.isAsyncPBT { try c.encode(recorded, forKey: .recorded) }
    }

    func searchedValues(_ hp: Hyperparameters) -> [String: Double] {
        Self.searchedValues(hp, searched: spec.searched)
    }

    /// The searched hyperparameters of `hp` as numbers (NaN where one is not numeric): a results row.
    public static func searchedValues(_ hp: Hyperparameters, searched: [String]) -> [String: Double] {
        var v: [String: Double] = [:]
        for name in searched {
            switch hp[name] {
            case .int(let i)?: v[name] = Double(i)
            case .double(let d)?: v[name] = d
            default: v[name] = .nan
            }
        }
        return v
    }

    /// The training checkpoint PBT row `r` leaves (docs/search.md §4).
    func stateFile(_ r: TrialRecord) -> String { "\(stateDir)/size\(r.sizeIndex)_member\(r.trial)_gen\(r.generation).h5" }

    private func addGenerationRows(_ si: Int) {
        let p = pbt[si]
        for m in 0..<spec.population {
            let hp = try! Hyperparameters(json: p.memberHPs[m])
            rows.append(TrialRecord(row: rows.count, sizeIndex: si, trial: m, generation: p.generation, seed: hp.seed,
                                    parent: p.memberParents[m], hps: searchedValues(hp)))
        }
    }

    public var isDone: Bool { rows.allSatisfy { $0.status != .pending && $0.status != .running } }

    /// The next runnable item, or nil when everything runnable is in flight or done.
    public func next() -> WorkItem? {
        while pendingFrom < rows.count && rows[pendingFrom].status != .pending { pendingFrom += 1 }
        guard pendingFrom < rows.count else { return nil }
        return take(pendingFrom)
    }

    /// Row `row`'s item if it is pending (a replayed completion order picks rows itself), else nil.
    public func next(row: Int) -> WorkItem? {
        guard rows.indices.contains(row), rows[row].status == .pending else { return nil }
        return take(row)
    }

    private func take(_ i: Int) -> WorkItem {
        rows[i].status = .running
        let r = rows[i]
        if spec.method == .random {
            let hp = try! sampleTrial(base: try! Hyperparameters(json: baseHP), space: space, searchSeed: spec.seed,
                                      size: r.sizeIndex, trial: r.trial)
            return WorkItem(row: r.row, sizeIndex: r.sizeIndex, hp: hp, epochs: nil, startState: nil,
                            outputState: "\(stateDir)/trial\(r.row).h5")
        }
        let p = pbt[r.sizeIndex]
        var hp = try! Hyperparameters(json: p.memberHPs[r.trial])
        hp.earlyStopPatience = Int(Int32.max)
        hp.maxEpochs = Int(Int32.max)
        return WorkItem(row: r.row, sizeIndex: r.sizeIndex, hp: hp, epochs: spec.epochsPerGeneration,
                        startState: p.memberStates[r.trial],
                        outputState: "\(stateDir)/size\(r.sizeIndex)_member\(r.trial)_gen\(r.generation).h5")
    }

    /// Rows handed out but not finished become pending again (a stop: they rerun on resume).
    public func requeueInFlight() {
        for i in rows.indices where rows[i].status == .running { rows[i].status = .pending }
        pendingFrom = 0
    }

    /// The fitness a row is selected by (lower is better).
    public func fitness(_ r: TrialRecord) -> Double {
        guard r.status == .completed else { return .nan }
        return spec.selectBy.fitness(r.metrics)
    }

    /// Records a result; for PBT, closes a generation when its last member reports.
    /// Returns state files no longer needed (for the caller to delete).
    @discardableResult
    public func complete(_ res: WorkResult) throws -> [String] {
        rows[res.row].status = res.status
        rows[res.row].metrics = res.metrics
        rows[res.row].history = res.history
        if !res.detail.isEmpty { rows[res.row].notes.append(res.detail) }
        guard spec.method == .pbt else { return [] }
        if spec.isAsyncPBT { return try completeAsync(res) }
        let si = rows[res.row].sizeIndex
        guard rows[res.row].generation == pbt[si].generation else { return [] }
        // A generation's rows were appended together in member order, so no scan of the table.
        let first = res.row - rows[res.row].trial
        let genRows = Array(rows[first ..< first + spec.population])
        guard genRows.allSatisfy({ $0.status != .pending && $0.status != .running }) else { return [] }
        return try closeGeneration(si, genRows)
    }

    private func closeGeneration(_ si: Int, _ genRows: [TrialRecord]) throws -> [String] {
        var p = pbt[si]
        let g = p.generation
        let fit = genRows.map { fitness($0) }
        p.bestPerGeneration.append(fit.filter(\.isFinite).min() ?? .nan)
        let obsolete = p.memberStates.compactMap { $0 }
        let newStates: [String?] = genRows.map { $0.status == .completed
            ? "\(stateDir)/size\(si)_member\($0.trial)_gen\(g).h5" : nil }
        if PBTPolicy.shouldStop(best: p.bestPerGeneration, maxGenerations: spec.maxGenerations,
                                minImprovement: spec.minImprovement, patience: spec.patienceGenerations) {
            p.finished = true
            p.memberStates = newStates
            pbt[si] = p
            return obsolete
        }
        let policy = PBTPolicy(space: space, seed: spec.seed)
        let copies = policy.exploit(fitness: fit, size: si, generation: g)
        var hps = p.memberHPs, states = newStates, parents = [Int](repeating: -1, count: spec.population)
        for m in 0..<spec.population {
            if let w = copies[m] {
                let (hp, notes) = try policy.explore(try Hyperparameters(json: p.memberHPs[w]), size: si, generation: g, member: m)
                hps[m] = hp.jsonString()
                states[m] = newStates[w]
                parents[m] = w
                rows[genRows[m].row].notes.append("loses to member \(w): copies its weights and Adam state; " + notes.joined(separator: ", "))
            } else if newStates[m] == nil {
                // A failed member with no better opponent restarts from its last good state.
                states[m] = p.memberStates[m]
            }
        }
        p.memberHPs = hps; p.memberStates = states; p.memberParents = parents
        p.generation = g + 1
        pbt[si] = p
        addGenerationRows(si)
        return obsolete.filter { !states.contains($0) }  // a failed member may restart from its old state
    }

    /// Asynchronous PBT (docs/search.md §4): the member of the finished row decides alone, at once,
    /// against the other members' latest scores, and its next interval is queued. Everything
    /// depends only on the seed and on the order in which results are recorded, which the journal
    /// keeps, so replaying that order repeats every decision. A state file is retired when no
    /// member's latest completed row and no queued or running row refers to it.
    private func completeAsync(_ res: WorkResult) throws -> [String] {
        let r = rows[res.row], si = r.sizeIndex, m = r.trial, g = r.generation
        rows[r.row].completedAs = recorded
        recorded += 1
        var p = pbt[si], a = p.async!
        var retired: [String] = p.memberStates[m].map { [$0] } ?? []
        a.latest[m] = fitness(rows[r.row])
        if res.status == .completed {
            if a.goodRow[m] >= 0 { retired.append(stateFile(rows[a.goodRow[m]])) }
            a.goodRow[m] = r.row
            a.goodHPs[m] = p.memberHPs[m]
        } else {
            retired.append(stateFile(r))   // a diverged interval's checkpoint: nobody starts from it
        }
        a.results += 1
        if a.results % spec.population == 0 {
            p.bestPerGeneration.append(a.latest.compactMap { $0 }.filter(\.isFinite).min() ?? .nan)
            if PBTPolicy.shouldStop(best: p.bestPerGeneration, maxGenerations: spec.maxGenerations,
                                    minImprovement: spec.minImprovement, patience: spec.patienceGenerations) {
                p.finished = true
            }
        }
        if p.finished || g + 1 >= spec.maxGenerations {
            a.done[m] = true
            p.memberStates[m] = nil
        } else {
            let policy = PBTPolicy(space: space, seed: spec.seed)
            var start: Int?
            if let w = policy.exploitAsync(member: m, interval: g, latest: a.latest, size: si) {
                let source = rows[a.goodRow[w]]
                let (hp, notes) = try policy.explore(try Hyperparameters(json: a.goodHPs[w]!), size: si, generation: g, member: m)
                p.memberHPs[m] = hp.jsonString()
                p.memberStates[m] = stateFile(source)
                p.memberParents[m] = w
                start = source.row
                rows[r.row].notes.append("in the bottom quantile: copies member \(w)'s row \(source.row) (weights, Adam state, "
                                         + "hyperparameters); " + notes.joined(separator: ", "))
            } else if res.status == .completed {
                p.memberStates[m] = stateFile(r)
                p.memberParents[m] = -1
                start = r.row
            } else {
                // A failed member nobody better was drawn for restarts from where its interval started.
                p.memberParents[m] = -1
                start = r.startRow
                retired.removeAll { $0 == p.memberStates[m] }
            }
            let hp = try Hyperparameters(json: p.memberHPs[m])
            var next = TrialRecord(row: rows.count, sizeIndex: si, trial: m, generation: g + 1, seed: hp.seed,
                                   parent: p.memberParents[m], hps: searchedValues(hp))
            next.startRow = start
            rows.append(next)
        }
        p.async = a
        pbt[si] = p
        var kept = Set(a.goodRow.filter { $0 >= 0 }.map { stateFile(rows[$0]) })
        for k in 0..<spec.population where !a.done[k] { if let s = p.memberStates[k] { kept.insert(s) } }
        var seen = Set<String>()
        return retired.filter { !kept.contains($0) && seen.insert($0).inserted }
    }

    /// Per size, the selected row: the completed row with the lowest fitness (sync PBT: of the final
    /// generation; async PBT: each member's latest completed row, the only states it keeps).
    public func selected() -> [Int: TrialRecord] {
        var best: [Int: TrialRecord] = [:]
        for si in spec.sizes.indices {
            var cands: [TrialRecord]
            if let a = spec.isAsyncPBT ? pbt[si].async : nil {
                cands = a.goodRow.filter { $0 >= 0 }.sorted().map { rows[$0] }
            } else {
                cands = rows.filter { $0.sizeIndex == si && $0.status == .completed }
            }
            if spec.method == .pbt && !spec.isAsyncPBT, let last = cands.map(\.generation).max() { cands = cands.filter { $0.generation == last } }
            if let b = cands.filter({ fitness($0).isFinite }).min(by: { fitness($0) < fitness($1) }) { best[si] = b }
        }
        return best
    }
}
