import App
import Config
import Foundation
import LFADS
import ModelIO
import Search
import Store
import Training
import Vocabulary

/// Runs a search in this process: the coordinator and one model group (docs/search.md §2, P = 1).
public enum SearchRun {
    public static func run(_ o: RunOptions, log: @escaping (String) -> Void = { print($0); fflush(nil) }) throws -> TrainExit {
        try run(o, compaction: nil, log: log)
    }

    /// `compaction` and `completionOrder` replace what the environment says (tests).
    static func run(_ o: RunOptions, compaction: CompactionPolicy?, completionOrder: [Int]? = nil,
                    log: @escaping (String) -> Void) throws -> TrainExit {
        var setup = try prepare(o, writer: true, log: log)
        if let compaction { setup.compaction = compaction }
        if let completionOrder { setup.completionOrder = completionOrder }
        let session = try SearchSession(setup: setup, options: o, log: log)
        let worker = session.worker
        StopSignal.install()
        var done = 0
        while let item = try session.nextItem() {
            if StopSignal.requested || done >= (o.stopAfter ?? Int.max) { return try session.stop(midTrial: false) }
            let result: WorkResult
            do { result = try worker.run(item, shouldStop: { StopSignal.requested }) } catch is SearchInterrupted {
                return try session.stop(midTrial: true)
            }
            try session.record(result)
            done += 1
        }
        try session.finish()
        return .ok
    }

    static func maxEpochs(_ s: SearchSpec, _ hp: Hyperparameters) -> Int {
        s.method == .random ? hp.maxEpochs : s.epochsPerGeneration
    }

    static func checkpoint(_ plan: SearchPlan, _ path: String) throws {
        try AtomicFile.write(SealedJSON.seal(try SearchJSON.encode(plan)), to: path)
    }

    /// The selected model per size: its params.h5 and its rates on the full valid split and the size's train subset.
    static func finalize(plan: SearchPlan, worker: SearchWorker, config: RunConfig, dir: String,
                         log: (String) -> Void) throws -> [ResultsFile.Best] {
        var out: [ResultsFile.Best] = []
        let d = worker.dataset
        for (si, row) in plan.selected().sorted(by: { $0.key < $1.key }) {
            let src = plan.spec.method == .random ? "\(dir)/state/trial\(row.row).h5"
                : "\(dir)/state/size\(si)_member\(row.trial)_gen\(row.generation).h5"
            var hp: Hyperparameters, params: [Float]
            if plan.spec.method == .random {
                (hp, params) = try ParameterFile.read(src)
            } else {
                hp = try Checkpoint.hyperparameters(src)
                params = try Checkpoint.read(src, hp: hp).params
            }
            let bestDir = "\(dir)/best/size\(si)"
            try FileManager.default.createDirectory(atPath: bestDir, withIntermediateDirectories: true)
            try ParameterFile.write(params, hp: hp, to: bestDir + "/params.h5", selected: "search row \(row.row)", bestEpoch: nil)
            if let set = worker.sessionSet {
                out.append(try finalizeSessions(set, hp: hp, params: params, sizeIndex: si, row: row, plan: plan,
                                                worker: worker, config: config, dir: bestDir))
                let perSession = { (m: Metric) in
                    set.sessions.indices.map { String(format: "%.4f", row.metrics[m.session($0)] ?? .nan) }.joined(separator: " / ")
                }
                var line = String(format: "size %d: selected row %d (%@ %.5f)", plan.spec.sizes[si], row.row,
                                  plan.spec.selectBy.rawValue, row.metrics[plan.spec.selectBy.reported] ?? .nan)
                // Bits/spike is a Poisson metric; R² of the mean needs the data's truth.
                if hp.observation == .poisson { line += ", sessions' valid bits/spike " + perSession(.validBitsPerSpike) }
                if let r2 = row.metrics[Metric.validR2PerNeuron.session(0)], r2.isFinite {
                    line += ", sessions' valid R² " + perSession(.validR2PerNeuron)
                }
                log(line)
                continue
            }
            let td = worker.data(size: si)
            let est = RateEstimator.sampleAverage(samples: hp.posteriorSamples)
            let v = inferPosterior(hp: hp, params: params, split: worker.fullValid, T: d.T, N: d.N, estimator: est)
            let t = inferPosterior(hp: hp, params: params, split: td.train, T: d.T, N: d.N, estimator: est)
            out.append(ResultsFile.Best(sizeIndex: si, row: row.row, fitness: plan.fitness(row), validRates: v.rates,
                                        validFactors: v.factors, trainRates: t.rates, trainInds: td.train.inds, validInds: d.validInds))
            // The rule's own metric (fitness is negated for higher-is-better rules); R² only with truth.
            let rule = plan.spec.selectBy
            var line = String(format: "size %d: selected row %d (%@ %.5f)", plan.spec.sizes[si], row.row,
                              rule.rawValue, row.metrics[rule.reported] ?? .nan)
            if let r2 = row.metrics[.validR2PerNeuron], r2.isFinite {
                line += String(format: ", valid R² %.4f / %.4f", r2, row.metrics[.validR2Pooled] ?? .nan)
            }
            log(line)
        }
        return out
    }

    /// A stitched selected model's outputs in best/size<i>/: `rates_<session stem>.h5` per session on
    /// its full splits and their metrics.json, as `eval` of that params.h5 would write them.
    static func finalizeSessions(_ set: SessionSet, hp: Hyperparameters, params: [Float], sizeIndex si: Int, row: TrialRecord,
                                 plan: SearchPlan, worker: SearchWorker, config: RunConfig, dir: String) throws -> ResultsFile.Best {
        if let m = try StitchedRun.writeSessions(hp: hp, params: params, set: set, estimator: .sampleAverage(samples: hp.posteriorSamples),
                                                 dir: dir, stem: "rates", psthSmoothingMs: config.psthSmoothingMs,
                                                 attributes: ["selection_rule": plan.spec.selectBy.rawValue, "search_row": "\(row.row)"],
                                                 base: .empty) {
            try AtomicFile.write(m.json, to: dir + "/metrics.json")
        }
        return ResultsFile.Best(sizeIndex: si, row: row.row, fitness: plan.fitness(row), validRates: [], validFactors: [],
                                trainRates: [], trainInds: [], validInds: [], sessionTrainCounts: worker.sessionSizes[si])
    }

    public struct Setup {
        public var config: RunConfig, spec: SearchSpec, dataset: SpikeDataset, sizes: [Int], attributes: [String: String]
        /// A stitched search (docs/search.md §8): the sessions (`dataset` is session 0), and per size
        /// the train trials of each session.
        public var sessions: SessionSet? = nil
        public var sessionSizes: [[Int]] = []
        public var dir: String
        /// When the coordinator folds its journal into the checkpoint and results.h5.
        var compaction = CompactionPolicy(every: nil)
        /// Rows in the order their results must be recorded (`CompletionOrder`); empty: as they come.
        var completionOrder: [Int] = []
    }

    /// Loads and validates config and data. The writer (the coordinator) also prepares the output
    /// directory and any synthetic data; readers (the other ranks, after the writer) only read.
    public static func prepare(_ o: RunOptions, writer: Bool, log: (String) -> Void) throws -> Setup {
        let dir = o.outDir, runDir = RunDirectory(o.outDir, .search)
        var config = try runDir.resolveConfig(o, checkEmpty: writer, log: writer ? log : { _ in })
        guard let spec = config.search else {
            throw RunError("\(o.configPath ?? dir + "/config.yaml") has no 'search' section; use `spikesae train` for a single model")
        }
        let sp = spec.problems()
        if !sp.isEmpty { throw RunError("invalid search config:\n" + sp.joined(separator: "\n")) }
        if case .sessions(let patterns)? = config.data {
            return try prepareSessions(o, writer: writer, config: config, spec: spec, patterns: patterns, log: log)
        }
        // A fresh search's synthetic data go to a pending file and replace data.h5 only once they and
        // the config proved good (PendingData, as in `train`). Only the writer generates; readers
        // read data.h5 after it.
        let pending = PendingData(dir: dir, source: config.data, resume: o.resume || !writer, leader: writer)
        let fm = FileManager.default
        let read = {
            try DataSourceLoader.read(config.data, synthPath: pending.path, domain: DataDomain(config.hps),
                                      missing: config.hps.usesSBTT, extDim: config.hps.extInputDim)
        }
        var hp: Hyperparameters, dataset: SpikeDataset
        do {
            // Data files, generated data and the config are all validated before the outputs of a
            // search that --force replaces are removed.
            var fileData: SpikeDataset? = nil
            if case .file = config.data { fileData = try read() }
            if pending.generated {
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try? fm.removeItem(atPath: pending.path)
            }
            if writer {
                try DataSourceLoader.prepare(config.data, synthPath: pending.path, domain: DataDomain(config.hps),
                                             missing: config.hps.usesSBTT, extDim: config.hps.extInputDim)
            }
            do {
                (hp, dataset) = try DataSourceLoader.modelHyperparameters(config, dataset: try fileData ?? read())
            } catch {
                // Named as the file the data would have become.
                throw pending.named(error)
            }
            if pending.generated { dataset.path = pending.finalPath }
            try checkSearchable(spec, hp: hp, dataset: dataset)
            if writer { try pending.commit(runDir, resume: o.resume) }
        } catch { pending.undo(leader: writer); throw error }
        if writer { for w in dataset.warnings { log("warning: \(w)") } }
        config.hps = hp
        let sizes = spec.sizes.map { NestedSubsets.count($0, of: dataset.trainCount) }
        if writer && !o.resume { try AtomicFile.write(config.yaml(), to: dir + "/config.yaml") }
        var attrs = ["config": config.yaml(), "data_path": dataset.path, "data_content_sha256": dataset.dataContentSHA256(),
                     "software_version": "spikesae \(Outputs.version)", "command": CommandLine.arguments.joined(separator: " "),
                     "start_time_utc": ISO8601DateFormatter().string(from: Date()), "world_size": "1", "ranks_per_model": "1"]
        if writer, let sha = try? fileSHA256(dataset.path) { attrs["data_sha256"] = sha }
        var setup = Setup(config: config, spec: spec, dataset: dataset, sizes: sizes, attributes: attrs, dir: dir)
        setup.compaction = try CompactionPolicy.fromEnvironment()
        setup.completionOrder = try CompletionOrder.fromEnvironment()
        return setup
    }

    /// What a search cannot do with this config and data, found before any previous results go.
    static func checkSearchable(_ spec: SearchSpec, hp: Hyperparameters, dataset: SpikeDataset) throws {
        // The data were checked against one observation model's domain (and, with sbtt, loaded with
        // their missing elements), and co-bps is a Poisson metric.
        for key in ["recon", "gamma_loc", "sbtt", "ext_input_dim"] where spec.space[key] != nil {
            throw RunError("search.space.\(key) cannot be searched: the data are validated for the config's hps.\(key)")
        }
        if spec.selectBy == .validCobps && hp.observation != .poisson {
            throw RunError("select_by valid_cobps needs recon: poisson (co-bps is a Poisson metric); use valid_nll")
        }
        if spec.selectBy == .sampValidNLL && hp.svRate == 0 && spec.space["sv_rate"] == nil {
            throw RunError("select_by samp_valid_nll needs sample validation: set hps.sv_rate > 0")
        }
        if spec.selectBy == .validVelR2 && dataset.trainBehavior == nil {
            throw RunError("select_by valid_vel_r2 needs behaviour: train_behavior/valid_behavior in \(dataset.path) (spikesae prepare nwb writes them)")
        }
        if spec.selectBy == .validCobps && dataset.heldoutNeurons == 0 {
            throw RunError("select_by valid_cobps needs held-out neurons: a heldout_neurons root attribute in \(dataset.path), or hps.heldout_neurons")
        }
    }
}

extension SearchRun.Setup {
    /// The worker of this search: single-session or stitched.
    public func makeWorker() -> SearchWorker {
        if let sessions {
            return SearchWorker(sessions: sessions, sessionSizes: sessionSizes, seed: spec.seed, subsampleValid: spec.subsampleValid)
        }
        return SearchWorker(dataset: dataset, sizes: sizes, seed: spec.seed, subsampleValid: spec.subsampleValid)
    }
}
