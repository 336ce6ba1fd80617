import App
import Config
import Foundation
import LFADS
import Search
import Training
import Vocabulary

/// The coordinator's side of a search: the plan, its checkpoint and journal, the results file and
/// the log. The in-process loop (SearchRun) and the MPI coordinator both drive it.
///
/// Recording a result appends one line to the journal (`SearchJournal`); search_state.json and the
/// serial results.h5 are rewritten only at a compaction (`CompactionPolicy`), at a stop and at the
/// end, so recording does not slow down as the table grows (docs/search.md §5, docs/scaling.md §8).
public final class SearchSession {
    public let setup: SearchRun.Setup
    public let plan: SearchPlan
    public let worker: SearchWorker
    let log: (String) -> Void
    let statePath: String
    let journal: SearchJournal
    let started = Date()
    public var attributes: [String: String]
    /// Rows finished (completed, diverged or failed): the progress line's count without a scan.
    var finished: Int
    var lastCompaction = ContinuousClock.now, lastCompactionSeconds = 0.0
    public private(set) var cost = RecordCost()
    /// Rows whose results are to be recorded in exactly this order (`CompletionOrder`), and results
    /// that arrived ahead of their turn.
    var replay: [Int]
    var heldBack: [Int: WorkResult] = [:]

    /// What recording results cost this coordinator, wall and CPU seconds (docs/scaling.md §8).
    public struct RecordCost {
        public var results = 0, appendSeconds = 0.0, appendCPU = 0.0
        public var compactions = 0, compactionSeconds = 0.0, compactionCPU = 0.0

        public var summary: String {
            String(format: "%d result(s) recorded: journal %.2f ms wall / %.2f ms CPU per result; "
                   + "%d compaction(s), %.2f s wall / %.2f s CPU in all",
                   results, 1e3 * appendSeconds / Double(max(results, 1)), 1e3 * appendCPU / Double(max(results, 1)),
                   compactions, compactionSeconds, compactionCPU)
        }
    }

    public init(setup: SearchRun.Setup, options o: RunOptions, log: @escaping (String) -> Void) throws {
        self.setup = setup
        self.log = log
        attributes = setup.attributes
        let dir = setup.dir, fm = FileManager.default
        let stateDir = dir + "/state"
        try fm.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
        statePath = dir + "/search_state.json"
        let journalPath = stateDir + "/search_journal.jsonl"
        let fresh = { try SearchPlan(spec: setup.spec, base: setup.config.hps, sizes: setup.sizes, stateDir: stateDir) }
        var replayed = 0, torn = false
        if o.resume {
            // The last compaction, then every result recorded after it, in the order recorded.
            let statePath = self.statePath
            plan = try fm.contents(atPath: statePath).map {
                let json: Data
                do { json = try SealedJSON.open($0, what: statePath) } catch {
                    throw SealError("\(error); restore it from a copy if you keep one, or rerun the search "
                                    + "(`spikesae search --config ... --out \(dir) --force`): its finished trials cannot be recovered without it")
                }
                return try SearchJSON.decode(SearchPlan.self, from: json).attach(space: setup.spec.space, stateDir: stateDir)
            } ?? fresh()
            let (results, cut) = try SearchJournal.read(journalPath)
            torn = cut
            for r in results {
                guard plan.rows.indices.contains(r.row) else {
                    throw JournalError("\(journalPath): a result for row \(r.row), which the search does not have (\(plan.rows.count) rows)")
                }
                // Lines already folded into search_state.json (a kill between the two writes of a compaction).
                guard plan.rows[r.row].status == .pending else { continue }
                for f in try plan.complete(r) { try? fm.removeItem(atPath: f) }
                replayed += 1
            }
        } else {
            plan = try fresh()
        }
        journal = try SearchJournal(path: journalPath, truncate: !o.resume)
        replay = setup.completionOrder.filter { [plan] in
            !plan.rows.indices.contains($0) || plan.rows[$0].status == .pending }
        finished = plan.rows.filter { $0.status != .pending && $0.status != .running }.count
        worker = setup.makeWorker()
        if o.resume {
            log("resuming \(dir): \(finished) of \(plan.rows.count) rows done"
                + (replayed > 0 ? " (\(replayed) from the journal)" : "") + (torn ? "; an incomplete last journal line was dropped" : ""))
            if replayed > 0 || torn { try compact() }
        } else {
            try SearchRun.checkpoint(plan, statePath)   // the base the journal's first lines apply to
        }
        let spec = setup.spec
        log("search: \(spec.method.rawValue), sizes \(setup.sizes) trials, select by \(spec.selectBy.rawValue), "
            + (spec.method == .random ? "\(spec.trialsPerSize) trials per size" : "population \(spec.population)")
            + (plan.spec.isAsyncPBT ? ", asynchronous (each member exploits as soon as it finishes an interval)" : ""))
    }

    var maxEpochs: Int { SearchRun.maxEpochs(setup.spec, setup.config.hps) }

    /// The next item to run in this process: with a replayed completion order, the row whose result
    /// is due next (it is always runnable then, since every result before it has been recorded).
    public func nextItem() throws -> WorkItem? {
        guard let row = replay.first else { return plan.next() }
        guard let item = plan.next(row: row) else {
            throw RunError("\(CompletionOrder.variable): row \(row) is not runnable when its turn comes; "
                           + "the order is not one this search's results were recorded in")
        }
        return item
    }

    /// Results arrived early and held back for their turn in a replayed completion order.
    public var heldResults: Int { heldBack.count }

    /// Records a finished item, or holds it back until its turn in a replayed completion order.
    public func record(_ result: WorkResult) throws {
        guard !replay.isEmpty else { return try recordNow(result) }
        heldBack[result.row] = result
        while let row = replay.first, let r = heldBack.removeValue(forKey: row) {
            replay.removeFirst()
            try recordNow(r)
        }
        if replay.isEmpty {
            for row in heldBack.keys.sorted() { try recordNow(heldBack.removeValue(forKey: row)!) }
        }
    }

    /// Records a finished item: plan, journal line, a compaction when due, one progress line.
    func recordNow(_ result: WorkResult) throws {
        let t0 = ContinuousClock.now, c0 = processCPUSeconds()
        let obsolete = try plan.complete(result)
        try journal.append(result)
        // Only now: until the line is on disk, a resume may still need the state files it retires.
        for f in obsolete { try? FileManager.default.removeItem(atPath: f) }
        cost.results += 1
        cost.appendSeconds += (ContinuousClock.now - t0) / .seconds(1)
        cost.appendCPU += processCPUSeconds() - c0
        finished += 1
        if setup.compaction.due(entries: journal.entries, rows: plan.rows.count,
                                secondsSinceLast: (ContinuousClock.now - lastCompaction) / .seconds(1),
                                lastCost: lastCompactionSeconds) {
            try compact()
        }
        let r = plan.rows[result.row]
        log(String(format: "[%d/%d] size %d trial %d gen %d: %@  valid NLL %.5f  samp-valid %.5f  R² %.4f  (%.0f s elapsed)",
                   finished, plan.rows.count, setup.sizes[r.sizeIndex], r.trial, r.generation, r.status.rawValue,
                   r.metrics[.validNLL] ?? .nan, r.metrics[.sampValidNLL] ?? .nan,
                   r.metrics[.validR2PerNeuron] ?? .nan, Date().timeIntervalSince(started)))
    }

    /// Folds the journal into search_state.json and the serial results.h5. The journal is emptied
    /// last, so a kill in between leaves lines that resume recognises as already folded in.
    func compact(resultsFile: Bool = true, best: [ResultsFile.Best] = [], complete: Bool = false) throws {
        let t0 = ContinuousClock.now, c0 = processCPUSeconds()
        try SearchRun.checkpoint(plan, statePath)
        if resultsFile {
            try ResultsFile.write(to: setup.dir + "/results.h5", plan: plan, worker: worker, attributes: attributes, best: best,
                                  complete: complete, maxEpochs: maxEpochs)
        }
        try journal.truncate()
        let wall = (ContinuousClock.now - t0) / .seconds(1)
        cost.compactions += 1
        cost.compactionSeconds += wall
        cost.compactionCPU += processCPUSeconds() - c0
        lastCompaction = .now
        lastCompactionSeconds = wall
    }

    /// Checkpoints and reports a stop; rows in flight rerun on resume.
    public func stop(midTrial: Bool) throws -> TrainExit {
        heldBack = [:]   // not recorded: those rows rerun on resume
        plan.requeueInFlight()
        try compact()
        log("stopped\(midTrial ? " mid-trial" : ""): checkpoint in \(statePath); continue with `spikesae search --resume \(setup.dir)`")
        return .interrupted
    }

    /// The selected models per size and the complete results file.
    public func finish() throws {
        try compact(best: try bestModels(), complete: true)
        log("wrote \(setup.dir)/results.h5 and \(setup.dir)/best/size*/params.h5")
    }

    /// The complete search state, for a search whose results file another writer produces (MPI).
    public func checkpointFinished() throws {
        try compact(resultsFile: false)
    }

    /// The selected model of each size: writes its params.h5 and infers its rates.
    public func bestModels() throws -> [ResultsFile.Best] {
        try SearchRun.finalize(plan: plan, worker: worker, config: setup.config, dir: setup.dir, log: log)
    }

    /// Epochs per history row of the final table.
    public var historyEpochs: Int { ResultsFile.epochs(plan: plan, maxEpochs: maxEpochs) }
}

/// User + system CPU seconds of this process.
public func processCPUSeconds() -> Double {
    var u = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}
