import App
import Config
import Foundation
import LFADS
import Search
import Training
import Vocabulary

/// The coordinator's side of a search: the plan, its checkpoint, the results file and the log.
/// The in-process loop (SearchRun) and the MPI coordinator both drive it.
public final class SearchSession {
    public let setup: SearchRun.Setup
    public let plan: SearchPlan
    public let worker: SearchWorker
    let log: (String) -> Void
    let statePath: String
    let started = Date()
    public var attributes: [String: String]

    public init(setup: SearchRun.Setup, options o: RunOptions, log: @escaping (String) -> Void) throws {
        self.setup = setup
        self.log = log
        attributes = setup.attributes
        let dir = setup.dir, fm = FileManager.default
        let stateDir = dir + "/state"
        try fm.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
        statePath = dir + "/search_state.json"
        if o.resume, let data = fm.contents(atPath: statePath) {
            plan = try SearchJSON.decode(SearchPlan.self, from: data).attach(space: setup.spec.space, stateDir: stateDir)
            log("resuming \(dir): \(plan.rows.filter { $0.status != .pending && $0.status != .running }.count) of \(plan.rows.count) rows done")
        } else {
            plan = try SearchPlan(spec: setup.spec, base: setup.config.hps, sizes: setup.sizes, stateDir: stateDir)
        }
        worker = SearchWorker(dataset: setup.dataset, sizes: setup.sizes, seed: setup.spec.seed,
                              subsampleValid: setup.spec.subsampleValid)
        let spec = setup.spec
        log("search: \(spec.method.rawValue), sizes \(setup.sizes) trials, select by \(spec.selectBy.rawValue), "
            + (spec.method == .random ? "\(spec.trialsPerSize) trials per size" : "population \(spec.population)"))
    }

    var maxEpochs: Int { SearchRun.maxEpochs(setup.spec, setup.config.hps) }

    /// Records a finished item: plan, checkpoint, results file, one progress line.
    public func record(_ result: WorkResult) throws {
        for f in try plan.complete(result) { try? FileManager.default.removeItem(atPath: f) }
        try SearchRun.checkpoint(plan, statePath)
        try ResultsFile.write(to: setup.dir + "/results.h5", plan: plan, worker: worker, attributes: attributes, best: [],
                              complete: false, maxEpochs: maxEpochs)
        let r = plan.rows[result.row]
        let finished = plan.rows.filter { $0.status != .pending && $0.status != .running }.count
        log(String(format: "[%d/%d] size %d trial %d gen %d: %@  valid NLL %.5f  samp-valid %.5f  R² %.4f  (%.0f s elapsed)",
                   finished, plan.rows.count, setup.sizes[r.sizeIndex], r.trial, r.generation, r.status.rawValue,
                   r.metrics[.validNLL] ?? .nan, r.metrics[.sampValidNLL] ?? .nan,
                   r.metrics[.validR2PerNeuron] ?? .nan, Date().timeIntervalSince(started)))
    }

    /// Checkpoints and reports a stop; rows in flight rerun on resume.
    public func stop(midTrial: Bool) throws -> TrainExit {
        try SearchRun.checkpoint(plan, statePath)
        log("stopped\(midTrial ? " mid-trial" : ""): checkpoint in \(statePath); continue with `spikesae search --resume \(setup.dir)`")
        return .interrupted
    }

    /// The selected models per size and the complete results file.
    public func finish() throws {
        try ResultsFile.write(to: setup.dir + "/results.h5", plan: plan, worker: worker, attributes: attributes,
                              best: try bestModels(), complete: true, maxEpochs: maxEpochs)
        log("wrote \(setup.dir)/results.h5 and \(setup.dir)/best/size*/params.h5")
    }

    /// The selected model of each size: writes its params.h5 and infers its rates.
    public func bestModels() throws -> [ResultsFile.Best] {
        try SearchRun.finalize(plan: plan, worker: worker, config: setup.config, dir: setup.dir, log: log)
    }

    /// Epochs per history row of the final table.
    public var historyEpochs: Int { ResultsFile.epochs(plan: plan, maxEpochs: maxEpochs) }
}
