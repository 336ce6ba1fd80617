import Config
import Foundation
import LFADS
import ModelIO
import Store
import Training
import Vocabulary

/// Exit codes of `spikesae train` and `spikesae search` (documented in the README).
public enum TrainExit: Int32, Codable, Sendable {
    case ok = 0, failed = 1, diverged = 2, interrupted = 3
}

public enum TrainRun {
    /// Trains one model and writes DIR/{config.yaml, checkpoint.h5, history.csv, params.h5, rates.h5, metrics.json}.
    /// Every rank of `comm` (one model group) calls this; only its leader (rank 0) writes and logs.
    /// Each setup phase ends with every rank agreeing on success, so bad input ends all ranks with one
    /// message (an `AgreedFailure`) instead of leaving some blocked in a collective.
    public static func run(_ o: RunOptions, comm: Communicator = SingleProcess(),
                           log: @escaping (String) -> Void = { print($0); fflush(nil) }) throws -> TrainExit {
        let dir = o.outDir, runDir = RunDirectory(o.outDir, .train)
        let fm = FileManager.default
        let leader = comm.rank == 0
        let log: (String) -> Void = leader ? log : { _ in }

        // Phase 1, every rank, nothing written yet (so no rank sees another's output directory).
        // A data file is read and validated here, before phase 2 removes the outputs of a run that
        // --force replaces: bad data must not cost the previous results.
        var (config, fileData) = try agree(comm) { () throws -> (RunConfig, SpikeDataset?) in
            let config = try runDir.resolveConfig(o, log: log)
            try DataSourceLoader.check(config.data)
            guard case .file = config.data else { return (config, nil) }
            return (config, try DataSourceLoader.read(config.data, synthPath: "", domain: DataDomain(config.hps),
                                                      missing: config.hps.usesSBTT, extDim: config.hps.extInputDim))
        }
        if case .sessions(let patterns)? = config.data {
            return try StitchedRun.train(o, config: config, patterns: patterns, comm: comm, log: log)
        }
        // Phase 2, the leader alone makes the directory and the synthetic data (to a pending file that
        // replaces data.h5 only after every rank validated them with the model, PendingData); the
        // agreement is also the barrier the other ranks wait at before reading that data. A directory
        // this run made is removed again if the data or the model turn out to be bad.
        let pending = PendingData(dir: dir, source: config.data, resume: o.resume, leader: leader)
        let undo = { pending.undo(leader: leader) }
        do {
            try agree(comm) {
                guard leader else { return }
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                if pending.generated { try? fm.removeItem(atPath: pending.path) }
                try DataSourceLoader.prepare(config.data, synthPath: pending.path, domain: DataDomain(config.hps), missing: config.hps.usesSBTT, extDim: config.hps.extInputDim)
            }
        } catch { undo(); throw error }

        // Phase 3, every rank loads and validates the data, the model and the checkpoint.
        let phase3 = { try agree(comm) { () throws -> (SpikeDataset, Hyperparameters, TrainerState) in
            if o.debugFailRank == comm.rank {
                throw RunError("rank \(comm.rank) failed to load the data (simulated by --debug-fail-rank \(comm.rank))")
            }
            var (hp, dataset): (Hyperparameters, SpikeDataset)
            do {
                (hp, dataset) = try DataSourceLoader.modelHyperparameters(
                    config, dataset: try fileData ?? DataSourceLoader.read(config.data, synthPath: pending.path, domain: DataDomain(config.hps), missing: config.hps.usesSBTT, extDim: config.hps.extInputDim))
            } catch {
                // Named as the file the data would have become; the pending file goes with the refusal.
                throw pending.named(error)
            }
            if pending.generated { dataset.path = pending.finalPath }
            let state = o.resume ? try Checkpoint.read(dir + "/checkpoint.h5", hp: hp)
                : TrainerState(hp: hp, params: Initialization.parameters(hp, seed: UInt64(hp.seed)))
            if leader { for w in dataset.warnings { log("warning: \(w)") } }
            return (dataset, hp, state)
        } }
        let (dataset, hp, start): (SpikeDataset, Hyperparameters, TrainerState)
        do { (dataset, hp, start) = try phase3() } catch { undo(); throw error }
        // Phase 4, all input is good: the leader replaces the previous run's outputs (--force).
        do {
            try agree(comm) {
                guard leader, !o.resume else { return }
                try pending.commit(runDir, resume: false)
                var resolved = config
                resolved.hps = hp
                try AtomicFile.write(resolved.yaml(), to: dir + "/config.yaml")
            }
        } catch { undo(); throw error }
        config.hps = hp
        fileData = nil
        var state = start

        let data = TrainingData(
            train: SplitData(counts: dataset.trainCounts, trials: dataset.trainCount, inds: dataset.trainInds, splitID: 0,
                             ext: dataset.trainExt),
            valid: SplitData(counts: dataset.validCounts, trials: dataset.validCount, inds: dataset.validInds, splitID: 1,
                             ext: dataset.validExt),
            T: dataset.T, N: dataset.N)
        if o.resume { log("resuming \(dir) at epoch \(state.epoch)") }
        log("data: \(dataset.path): train \(dataset.trainCount), valid \(dataset.validCount) trials, T = \(dataset.T) bins, N = \(dataset.N) neurons")
        log("model: \(ParameterLayout(hp).count) parameters; batch \(hp.batchSize), \(data.train.trials < hp.batchSize ? 1 : data.train.trials / hp.batchSize) steps/epoch, max \(hp.maxEpochs) epochs")
        if comm.size > 1 { log("data parallel over \(comm.size) ranks: about \(hp.batchSize / comm.size) trials per rank per step") }

        let trainer = Trainer(hp: hp, data: data, comm: comm)
        if try trainEpochs(trainer, &state, hp: hp, dir: dir, comm: comm, stopAfter: o.stopAfter, log: log) {
            return .interrupted
        }
        guard leader else { return state.stopReason == .diverged ? .diverged : .ok }
        return try finish(state: state, hp: hp, config: config, dataset: dataset, data: data, dir: dir, log: log)
    }

    /// The epoch loop of `train`, one file or stitched sessions: every rank trains, the leader writes the
    /// checkpoint and history after each epoch. True when a signal or --stop-after ended it early (the
    /// message saying how to resume is logged).
    static func trainEpochs(_ trainer: Trainer, _ state: inout TrainerState, hp: Hyperparameters, dir: String,
                            comm: Communicator, stopAfter: Int?, log: @escaping (String) -> Void) throws -> Bool {
        let leader = comm.rank == 0
        let progress = Progress(maxEpochs: hp.maxEpochs, log: leader ? log : { _ in })
        StopSignal.install()
        var epochsThisRun = 0
        let stopAfter = stopAfter ?? Int.max
        // A signal reaches the ranks at slightly different times; one allreduce per epoch makes them
        // all stop after the same epoch.
        var skipsReported = 0
        try trainer.run(&state, shouldStop: { try anyRank(comm, StopSignal.requested || epochsThisRun >= stopAfter) }) { s, rec in
            epochsThisRun += 1
            guard leader else { return }
            // SBTT steps with nothing observed were skipped on every rank (docs/model.md §15).
            for w in trainer.skippedSteps.dropFirst(skipsReported) { log("warning: \(w)") }
            skipsReported = trainer.skippedSteps.count
            try Checkpoint.write(s, hp: hp, to: dir + "/checkpoint.h5")
            try History.write(s.history, to: dir + "/history.csv")
            progress.epoch(rec, best: s.bestEpoch)
        }
        guard state.stopReason == .interrupted else { return false }
        log("interrupted: checkpoint of epoch \(state.epoch - 1) is in \(dir)/checkpoint.h5; continue with `spikesae train --resume \(dir)`")
        return true
    }

    /// What every finished `train` records first: how and when it ended, its time and throughput, and
    /// the best smoothed validation NLL.
    static func endingMetrics(_ state: TrainerState) -> RunMetrics {
        let status = state.stopReason == .diverged ? "diverged" : "completed"
        var m = RunMetrics(ending: .init(status: status, stopReason: state.stopReason?.rawValue ?? "", stopDetail: state.stopDetail,
                                         selected: state.selected.rule, epochs: state.history.count, bestEpoch: state.bestEpoch))
        m[.seconds] = state.elapsedSeconds
        m[.trialsPerSecond] = state.history.isEmpty ? 0.0
            : state.history.map(\.trialsPerSecond).reduce(0, +) / Double(state.history.count)
        m[.bestValidNLLSmoothed] = state.bestValue
        return m
    }

    /// A run that diverged before its first checkpoint has no finite parameters to write: it keeps
    /// only metrics.json, which says so.
    static func divergedBeforeAnyCheckpoint(_ params: [Float], metrics m: RunMetrics, state: TrainerState, dir: String,
                                            log: (String) -> Void) throws -> Bool {
        guard !params.allSatisfy({ $0.isFinite }) else { return false }
        try AtomicFile.write(m.json, to: dir + "/metrics.json")
        log("training diverged (\(state.stopDetail)) before any checkpoint; no rates written. See \(dir)/metrics.json")
        return true
    }

    static func finish(state: TrainerState, hp: Hyperparameters, config: RunConfig, dataset: SpikeDataset,
                       data: TrainingData, dir: String, log: (String) -> Void) throws -> TrainExit {
        let sel = state.selected
        var m = TrainRun.endingMetrics(state)
        if state.bestEpoch >= 0, state.bestEpoch < state.history.count, hp.svRate > 0 {
            let r = state.history[state.bestEpoch]
            m[.sampValidNLLTrainTrialsAtBest] = r.sampValidTrainSmoothed
            m[.sampValidNLLValidTrialsAtBest] = r.sampValidValidSmoothed
        }
        if try divergedBeforeAnyCheckpoint(sel.params, metrics: m, state: state, dir: dir, log: log) { return .diverged }
        try ParameterFile.write(sel.params, hp: hp, to: dir + "/params.h5", selected: sel.rule, bestEpoch: sel.epoch)
        let estimator: RateEstimator = config.rateEstimator == "mean" ? .posteriorMean : .sampleAverage(samples: hp.posteriorSamples)
        log("inferring rates (\(estimator.name)\(config.rateEstimator == "mean" ? "" : ", \(hp.posteriorSamples) samples"))…")
        let inf = Outputs.infer(hp: hp, params: sel.params, data: data, estimator: estimator)
        guard (inf.train.rates + inf.valid.rates).allSatisfy({ $0.isFinite }) else {
            m.ending?.status = "diverged"
            m.ending?.stopDetail = state.stopDetail + (state.stopDetail.isEmpty ? "" : "; ")
                + "the selected model gives non-finite rates"
            try AtomicFile.write(m.json, to: dir + "/metrics.json")
            log("the selected model gives non-finite rates; no rates written. See \(dir)/metrics.json")
            return .diverged
        }
        m.values.merge(Outputs.metrics(inf, dataset: dataset, psthSmoothingMs: config.psthSmoothingMs)) { _, new in new }
        let metricsJSON = m.json
        try Outputs.writeRates(inf, hp: hp, params: sel.params, dataset: dataset, to: dir + "/rates.h5",
                               attributes: ["selection_rule": sel.rule, "selected_epoch": "\(sel.epoch)",
                                            "stop_reason": state.stopReason?.rawValue ?? "",
                                            "epochs_run": "\(state.history.count)"],
                               metricsJSON: metricsJSON)
        try AtomicFile.write(metricsJSON, to: dir + "/metrics.json")
        log(m.summary)
        log("wrote \(dir)/params.h5, rates.h5, metrics.json, history.csv")
        return state.stopReason == .diverged ? .diverged : .ok
    }
}
