import Config
import Foundation
import LFADS
import ModelIO
import Store
import Training
import Vocabulary

/// `train` on several session files with one stitched model (docs/model.md §18): the phases of
/// TrainRun, with a SessionSet instead of one dataset, and per-session outputs.
package enum StitchedRun {
    /// The sessions' data and the model's hyperparameters: every session's shape from its file,
    /// T shared, readin_dim required. Errors name the file.
    package static func load(_ patterns: [String], config: RunConfig) throws -> (SessionSet, Hyperparameters) {
        var hp = config.hps
        guard hp.readinDim >= 1 else {
            throw RunError("data.sessions needs hps.readin_dim ≥ 1 (the size of every session's read-in)")
        }
        let set = try SessionSet.load(patterns, domain: DataDomain(hp), missing: hp.usesSBTT, extDim: hp.extInputDim,
                                      batchSize: hp.batchSize)
        hp.setSessions(set.shapes)
        hp.seqLen = set.sessions[0].T
        do { hp = try hp.validated() } catch { throw RunError("invalid hyperparameters:\n\(error)") }
        return (set, hp)
    }

    package static func trainingData(_ d: SpikeDataset) -> TrainingData {
        TrainingData(train: SplitData(counts: d.trainCounts, trials: d.trainCount, inds: d.trainInds, splitID: 0, ext: d.trainExt),
                     valid: SplitData(counts: d.validCounts, trials: d.validCount, inds: d.validInds, splitID: 1, ext: d.validExt),
                     T: d.T, N: d.N)
    }

    static func train(_ o: RunOptions, config start: RunConfig, patterns: [String], comm: Communicator,
                      log: @escaping (String) -> Void) throws -> TrainExit {
        let dir = o.outDir, runDir = RunDirectory(o.outDir, .train), fm = FileManager.default
        let leader = comm.rank == 0
        var config = start
        let madeDir = leader && !fm.fileExists(atPath: dir)
        // The session files are read and checked before --force removes a previous run's outputs, as
        // TrainRun does for one file: bad data must not cost the previous results.
        let (set, hp) = try agree(comm) {
            if o.debugFailRank == comm.rank {
                throw RunError("rank \(comm.rank) failed to load the data (simulated by --debug-fail-rank \(comm.rank))")
            }
            return try load(patterns, config: config)
        }
        let phase3 = { try agree(comm) { () throws -> TrainerState in
            var warnings: [String] = []
            let state = o.resume ? try Checkpoint.read(dir + "/checkpoint.h5", hp: hp)
                : TrainerState(hp: hp, params: try SessionInit.parameters(hp, sessions: set, warnings: &warnings))
            if leader {
                for w in warnings { log("warning: \(w)") }
                for d in set.sessions { for w in d.warnings { log("warning: \(w)") } }
            }
            return state
        } }
        let first: TrainerState
        do {
            first = try phase3()
            // As in TrainRun: a previous run's outputs go (--force) only when every input proved good.
            try agree(comm) {
                guard leader else { return }
                try runDir.prepare(resume: o.resume)
                var resolved = config
                resolved.hps = hp
                if !o.resume { try AtomicFile.write(resolved.yaml(), to: dir + "/config.yaml") }
            }
        } catch {
            if madeDir { try? fm.removeItem(atPath: dir) }
            throw error
        }
        config.hps = hp
        var state = first
        let sessions = set.sessions.map(trainingData)
        if o.resume { log("resuming \(dir) at epoch \(state.epoch)") }
        for (s, d) in set.sessions.enumerated() {
            log("session \(s): \(d.path): train \(d.trainCount), valid \(d.validCount) trials, N = \(d.N) neurons")
        }
        let trainer = Trainer(hp: hp, sessions: sessions, comm: comm)
        log("model: \(ParameterLayout(hp).count) parameters, \(set.sessions.count) sessions stitched through readin_dim \(hp.readinDim); \(hp.sessionBatching) batches, \(trainer.sessionMinibatches(epoch: 0).count) steps/epoch, max \(hp.maxEpochs) epochs")
        if try TrainRun.trainEpochs(trainer, &state, hp: hp, dir: dir, comm: comm, stopAfter: o.stopAfter, log: log) {
            return .interrupted
        }
        guard leader else { return state.stopReason == .diverged ? .diverged : .ok }
        return try finish(state: state, hp: hp, config: config, set: set, dir: dir, log: log)
    }

    static func finish(state: TrainerState, hp: Hyperparameters, config: RunConfig, set: SessionSet, dir: String,
                       log: (String) -> Void) throws -> TrainExit {
        let sel = state.selected
        var m = TrainRun.endingMetrics(state)
        if try TrainRun.divergedBeforeAnyCheckpoint(sel.params, metrics: m, state: state, dir: dir, log: log) { return .diverged }
        try ParameterFile.write(sel.params, hp: hp, to: dir + "/params.h5", selected: sel.rule, bestEpoch: sel.epoch)
        let estimator: RateEstimator = config.rateEstimator == "mean" ? .posteriorMean : .sampleAverage(samples: hp.posteriorSamples)
        log("inferring rates of \(set.sessions.count) sessions (\(estimator.name))…")
        let outputs = try writeSessions(hp: hp, params: sel.params, set: set, estimator: estimator, dir: dir, stem: "rates",
                                        psthSmoothingMs: config.psthSmoothingMs,
                                        attributes: ["selection_rule": sel.rule, "selected_epoch": "\(sel.epoch)",
                                                     "stop_reason": state.stopReason?.rawValue ?? "",
                                                     "epochs_run": "\(state.history.count)"], base: m)
        guard let metrics = outputs else {
            m.ending?.status = "diverged"
            m.ending?.stopDetail = state.stopDetail + (state.stopDetail.isEmpty ? "" : "; ") + "the selected model gives non-finite rates"
            try AtomicFile.write(m.json, to: dir + "/metrics.json")
            log("the selected model gives non-finite rates; no rates written. See \(dir)/metrics.json")
            return .diverged
        }
        try AtomicFile.write(metrics.json, to: dir + "/metrics.json")
        log(metrics.summary)
        log("wrote \(dir)/params.h5, \(set.stems.map { "rates_\($0).h5" }.joined(separator: ", ")), metrics.json, history.csv")
        return state.stopReason == .diverged ? .diverged : .ok
    }

    /// Infers every session, writes `<stem>_<session stem>.h5` per session into dir, and returns the
    /// metrics: per session under Metric.session(s), and their unweighted mean under the plain names.
    /// Nil (nothing written) when a session's rates are not finite.
    package static func writeSessions(hp: Hyperparameters, params: [Float], set: SessionSet, estimator: RateEstimator, dir: String,
                              stem: String, psthSmoothingMs: Double, attributes: [String: String],
                              base: RunMetrics) throws -> RunMetrics? {
        var infs: [InferredSplits] = []
        for (s, d) in set.sessions.enumerated() {
            let data = trainingData(d)
            let inf = InferredSplits(
                train: inferSessionPosterior(hp: hp, params: params, session: s, split: data.train, T: d.T, estimator: estimator),
                valid: inferSessionPosterior(hp: hp, params: params, session: s, split: data.valid, T: d.T, estimator: estimator),
                estimator: estimator, observation: hp.observation)
            guard (inf.train.rates + inf.valid.rates).allSatisfy({ $0.isFinite }) else { return nil }
            infs.append(inf)
        }
        var m = base
        let per = zip(infs, set.sessions).map { Outputs.metrics($0, dataset: $1, psthSmoothingMs: psthSmoothingMs) }
        for (s, values) in per.enumerated() {
            for (k, v) in values { m.values[sessionMetricKey(k, session: s)] = v }
        }
        // The run's numbers: the unweighted mean over sessions of what every session reports (LT's aggregate).
        for k in per[0].keys where per.allSatisfy({ $0[k] != nil }) {
            m.values[k] = per.map { $0[k]! }.reduce(0, +) / Double(per.count)
        }
        let json = m.json
        for (s, (inf, d)) in zip(infs, set.sessions).enumerated() {
            var attrs = attributes
            attrs["session_index"] = "\(s)"; attrs["session_count"] = "\(set.sessions.count)"
            try Outputs.writeRates(inf, hp: hp, params: params, dataset: d, to: "\(dir)/\(stem)_\(set.stems[s]).h5",
                                   attributes: attrs, metricsJSON: json)
        }
        return m
    }
}

extension StitchedRun {
    /// `eval` of a stitched model: `dataPatterns` name the session files (sorted, as in training); each
    /// must have its session's T, N, held-out neurons and forward bins. Writes `<out stem>_<session stem>.h5`.
    static func eval(hp: Hyperparameters, params: [Float], paramsPath: String, dataPatterns: [String], out: String,
                     posteriorMean: Bool, psthSmoothingMs: Double, force: Bool, log: (String) -> Void) throws {
        let set = try SessionSet.load(dataPatterns, domain: DataDomain(hp), missing: hp.usesSBTT, extDim: hp.extInputDim,
                                      batchSize: hp.sessions.count)
        guard set.sessions.count == hp.sessions.count else {
            throw RunError("\(paramsPath) stitches \(hp.sessions.count) sessions, but --data names \(set.sessions.count) files: \(set.paths.joined(separator: ", "))")
        }
        for (s, (d, shape)) in zip(set.sessions, hp.sessions).enumerated()
        where d.T != hp.seqLen || d.N != shape.neurons || d.heldoutNeurons != shape.heldout || d.forwardBins != shape.forwardBins {
            throw RunError("\(d.path) (session \(s)) has T = \(d.T), N = \(d.N), heldout_neurons \(d.heldoutNeurons), forward_bins \(d.forwardBins), but the model in \(paramsPath) was trained on T = \(hp.seqLen), N = \(shape.neurons), heldout_neurons \(shape.heldout), forward_bins \(shape.forwardBins)")
        }
        let base = (out as NSString).deletingPathExtension, dir = (base as NSString).deletingLastPathComponent
        let stem = (base as NSString).lastPathComponent
        for st in set.stems {
            let p = "\(base)_\(st).h5"
            if FileManager.default.fileExists(atPath: p) && !force { throw RunError("\(p) already exists; use --force to overwrite it") }
        }
        let estimator: RateEstimator = posteriorMean ? .posteriorMean : .sampleAverage(samples: hp.posteriorSamples)
        guard let m = try writeSessions(hp: hp, params: params, set: set, estimator: estimator, dir: dir.isEmpty ? "." : dir,
                                        stem: stem, psthSmoothingMs: psthSmoothingMs,
                                        attributes: ["params_path": paramsPath], base: RunMetrics()) else {
            throw RunError("the model in \(paramsPath) gives non-finite rates on \(set.paths.joined(separator: ", ")); nothing written")
        }
        log(m.values.sorted { $0.key < $1.key }.map { String(format: "%@ %.4f", $0.key, $0.value) }.joined(separator: "\n"))
        log("wrote " + set.stems.map { "\(base)_\($0).h5" }.joined(separator: ", "))
    }
}
