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
    }

    /// The parts of the spec the plan needs, in a Codable form for checkpoints.
    public struct SearchSpecRecord: Codable, Sendable {
        public var method: SearchMethod, sizes: [Int], selectBy: SelectBy, seed: Int, trialsPerSize: Int
        public var population: Int, epochsPerGeneration: Int, maxGenerations: Int
        public var minImprovement: Double, patienceGenerations: Int
        public var searched: [String]
    }

    let space: [String: ParameterRange]
    let stateDir: String

    enum CodingKeys: String, CodingKey { case spec, rows, pbt, baseHP }

    /// sizes: trial counts per size (after resolving fractions). stateDir: where PBT/trial files go.
    public init(spec s: SearchSpec, base: Hyperparameters, sizes: [Int], stateDir: String) throws {
        spec = SearchSpecRecord(method: s.method, sizes: sizes, selectBy: s.selectBy, seed: s.seed,
                                trialsPerSize: s.trialsPerSize, population: s.population,
                                epochsPerGeneration: s.epochsPerGeneration, maxGenerations: s.maxGenerations,
                                minImprovement: s.minImprovement, patienceGenerations: s.patienceGenerations,
                                searched: s.space.keys.sorted())
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
        spec = o.spec; rows = o.rows; pbt = o.pbt; baseHP = o.baseHP
        self.space = space; self.stateDir = stateDir
        for i in rows.indices where rows[i].status == .running { rows[i].status = .pending }
    }

    public required init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        spec = try c.decode(SearchSpecRecord.self, forKey: .spec)
        rows = try c.decode([TrialRecord].self, forKey: .rows)
        pbt = try c.decode([PBTSize].self, forKey: .pbt)
        baseHP = try c.decode(String.self, forKey: .baseHP)
        space = [:]; stateDir = ""
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(spec, forKey: .spec); try c.encode(rows, forKey: .rows)
        try c.encode(pbt, forKey: .pbt); try c.encode(baseHP, forKey: .baseHP)
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
        let i = pendingFrom
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

    /// Per size, the selected row: the completed row with the lowest fitness (PBT: of the final generation).
    public func selected() -> [Int: TrialRecord] {
        var best: [Int: TrialRecord] = [:]
        for si in spec.sizes.indices {
            var cands = rows.filter { $0.sizeIndex == si && $0.status == .completed }
            if spec.method == .pbt, let last = cands.map(\.generation).max() { cands = cands.filter { $0.generation == last } }
            if let b = cands.filter({ fitness($0).isFinite }).min(by: { fitness($0) < fitness($1) }) { best[si] = b }
        }
        return best
    }
}
