import Config
import Foundation
import LFADS
import ModelIO
import Training

/// Exit codes of `spikesae train` and `spikesae search` (documented in the README).
public enum TrainExit: Int32 {
    case ok = 0, failed = 1, diverged = 2, interrupted = 3
}

public enum TrainRun {
    /// What a run writes into its directory; --force replaces exactly these.
    static let outputFiles = ["config.yaml", "data.h5", "checkpoint.h5", "history.csv", "params.h5", "rates.h5", "metrics.json"]

    /// Trains one model and writes DIR/{config.yaml, checkpoint.h5, history.csv, params.h5, rates.h5, metrics.json}.
    /// Every rank of `comm` (one model group) calls this; only its leader (rank 0) writes and logs.
    /// Each setup phase ends with every rank agreeing on success, so bad input ends all ranks with one
    /// message (an `AgreedFailure`) instead of leaving some blocked in a collective.
    public static func run(_ o: RunOptions, comm: Communicator = SingleProcess(),
                           log: @escaping (String) -> Void = { print($0); fflush(nil) }) throws -> TrainExit {
        let dir = o.outDir
        let fm = FileManager.default
        let leader = comm.rank == 0
        let log: (String) -> Void = leader ? log : { _ in }

        // Phase 1, every rank, nothing written yet (so no rank sees another's output directory).
        var config = try agree(comm) { try resolveConfig(o, log: log) }
        let synthPath = dir + "/data.h5"

        // Phase 2, the leader alone makes the directory and the synthetic data; the agreement is
        // also the barrier the other ranks wait at before reading that data. A directory this run
        // made is removed again if the data or the model turn out to be bad.
        let madeDir = leader && !fm.fileExists(atPath: dir)
        try agree(comm) {
            guard leader else { return }
            if !o.resume { for f in outputFiles { try? fm.removeItem(atPath: dir + "/" + f) } }
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try DataSourceLoader.prepare(config.data, synthPath: synthPath)
        }

        // Phase 3, every rank loads and validates the data, the model and the checkpoint.
        let phase3 = { try agree(comm) { () throws -> (SpikeDataset, Hyperparameters, TrainerState) in
            if o.debugFailRank == comm.rank {
                throw RunError("rank \(comm.rank) failed to load the data (simulated by --debug-fail-rank \(comm.rank))")
            }
            let (hp, dataset) = try DataSourceLoader.modelHyperparameters(
                config, dataset: try DataSourceLoader.read(config.data, synthPath: synthPath))
            let state = o.resume ? try Checkpoint.read(dir + "/checkpoint.h5", hp: hp)
                : TrainerState(hp: hp, params: Initialization.parameters(hp, seed: UInt64(hp.seed)))
            if leader {
                for w in dataset.warnings { log("warning: \(w)") }
                var resolved = config
                resolved.hps = hp
                if !o.resume { try resolved.yaml().write(toFile: dir + "/config.yaml", atomically: true, encoding: .utf8) }
            }
            return (dataset, hp, state)
        } }
        let (dataset, hp, start): (SpikeDataset, Hyperparameters, TrainerState)
        do { (dataset, hp, start) = try phase3() } catch {
            if madeDir { try? fm.removeItem(atPath: dir) }
            throw error
        }
        config.hps = hp
        var state = start

        let data = TrainingData(
            train: SplitData(counts: dataset.trainCounts, trials: dataset.trainCount, inds: dataset.trainInds, splitID: 0),
            valid: SplitData(counts: dataset.validCounts, trials: dataset.validCount, inds: dataset.validInds, splitID: 1),
            T: dataset.T, N: dataset.N)
        if o.resume { log("resuming \(dir) at epoch \(state.epoch)") }
        log("data: \(dataset.path): train \(dataset.trainCount), valid \(dataset.validCount) trials, T = \(dataset.T) bins, N = \(dataset.N) neurons")
        log("model: \(ParameterLayout(hp).count) parameters; batch \(hp.batchSize), \(data.train.trials < hp.batchSize ? 1 : data.train.trials / hp.batchSize) steps/epoch, max \(hp.maxEpochs) epochs")
        if comm.size > 1 { log("data parallel over \(comm.size) ranks: about \(hp.batchSize / comm.size) trials per rank per step") }

        let trainer = Trainer(hp: hp, data: data, comm: comm)
        let progress = Progress(maxEpochs: hp.maxEpochs, log: log)
        StopSignal.install()
        var epochsThisRun = 0
        let stopAfter = o.stopAfter ?? Int.max
        // A signal reaches the ranks at slightly different times; one allreduce per epoch makes them
        // all stop after the same epoch.
        try trainer.run(&state, shouldStop: { try anyRank(comm, StopSignal.requested || epochsThisRun >= stopAfter) }) { s, rec in
            epochsThisRun += 1
            guard leader else { return }
            try Checkpoint.write(s, hp: hp, to: dir + "/checkpoint.h5")
            try History.write(s.history, to: dir + "/history.csv")
            progress.epoch(rec, best: s.bestEpoch)
        }
        if state.stopReason == .interrupted {
            log("interrupted: checkpoint of epoch \(state.epoch - 1) is in \(dir)/checkpoint.h5; continue with `spikesae train --resume \(dir)`")
            return .interrupted
        }
        guard leader else { return state.stopReason == .diverged ? .diverged : .ok }
        return try finish(state: state, hp: hp, config: config, dataset: dataset, data: data, dir: dir, log: log)
    }

    /// The run's config: the saved one for --resume, else the file with --data; then the overrides.
    /// Refuses a non-empty output directory without --force.
    static func resolveConfig(_ o: RunOptions, log: (String) -> Void) throws -> RunConfig {
        let dir = o.outDir
        let fm = FileManager.default
        var config: RunConfig
        if o.resume {
            let saved = dir + "/config.yaml"
            guard fm.fileExists(atPath: saved), fm.fileExists(atPath: dir + "/checkpoint.h5") else {
                throw RunError("cannot resume \(dir): no config.yaml and checkpoint.h5 there (was it started with `spikesae train --out \(dir)`?)")
            }
            config = try RunConfig.load(path: saved)
        } else {
            guard let path = o.configPath else { throw RunError("give --config FILE (or --resume DIR)") }
            config = try RunConfig.load(path: path)
            if let d = o.dataPath { config.data = .file(d) }
            if fm.fileExists(atPath: dir), let items = try? fm.contentsOfDirectory(atPath: dir), !items.isEmpty, !o.force {
                throw RunError("output directory \(dir) already exists and is not empty; use --resume \(dir) to continue it or --force to overwrite it")
            }
        }
        for s in o.overrides {
            try config.apply(override: s)
            log("override: \(config.overrides.last!)")
        }
        try DataSourceLoader.check(config.data)
        return config
    }

    static func finish(state: TrainerState, hp: Hyperparameters, config: RunConfig, dataset: SpikeDataset,
                       data: TrainingData, dir: String, log: (String) -> Void) throws -> TrainExit {
        let sel = state.selected
        let status = state.stopReason == .diverged ? "diverged" : "completed"
        var m: [String: Any] = [
            "status": status, "stop_reason": state.stopReason?.rawValue ?? "", "stop_detail": state.stopDetail,
            "epochs": state.history.count, "best_epoch": state.bestEpoch, "selected": sel.rule,
            "seconds": state.elapsedSeconds,
            "trials_per_second": state.history.isEmpty ? 0.0
                : state.history.map(\.trialsPerSecond).reduce(0, +) / Double(state.history.count),
            "best_valid_nll_smoothed": state.bestValue,
        ]
        if state.bestEpoch >= 0, state.bestEpoch < state.history.count, hp.svRate > 0 {
            let r = state.history[state.bestEpoch]
            m["samp_valid_nll_train_trials_smth_at_best"] = r.sampValidTrainSmoothed
            m["samp_valid_nll_valid_trials_smth_at_best"] = r.sampValidValidSmoothed
        }
        guard sel.params.allSatisfy({ $0.isFinite }) else {
            try Outputs.json(m).write(toFile: dir + "/metrics.json", atomically: true, encoding: .utf8)
            log("training diverged (\(state.stopDetail)) before any checkpoint; no rates written. See \(dir)/metrics.json")
            return .diverged
        }
        try ParameterFile.write(sel.params, hp: hp, to: dir + "/params.h5", selected: sel.rule, bestEpoch: sel.epoch)
        let estimator: RateEstimator = config.rateEstimator == "mean" ? .posteriorMean : .sampleAverage(samples: hp.posteriorSamples)
        log("inferring rates (\(estimator.name)\(config.rateEstimator == "mean" ? "" : ", \(hp.posteriorSamples) samples"))…")
        let inf = Outputs.infer(hp: hp, params: sel.params, data: data, estimator: estimator)
        guard (inf.train.rates + inf.valid.rates).allSatisfy({ $0.isFinite }) else {
            m["status"] = "diverged"
            m["stop_detail"] = state.stopDetail + (state.stopDetail.isEmpty ? "" : "; ")
                + "the selected model gives non-finite rates"
            try Outputs.json(m).write(toFile: dir + "/metrics.json", atomically: true, encoding: .utf8)
            log("the selected model gives non-finite rates; no rates written. See \(dir)/metrics.json")
            return .diverged
        }
        for (k, v) in Outputs.metrics(inf, dataset: dataset, psthSmoothingMs: config.psthSmoothingMs) { m[k] = v }
        let metricsJSON = Outputs.json(m)
        try Outputs.writeRates(inf, hp: hp, params: sel.params, dataset: dataset, to: dir + "/rates.h5",
                               attributes: ["selection_rule": sel.rule, "selected_epoch": "\(sel.epoch)",
                                            "stop_reason": state.stopReason?.rawValue ?? "",
                                            "epochs_run": "\(state.history.count)"],
                               metricsJSON: metricsJSON)
        try metricsJSON.write(toFile: dir + "/metrics.json", atomically: true, encoding: .utf8)
        log(summary(m))
        log("wrote \(dir)/params.h5, rates.h5, metrics.json, history.csv")
        return status == "diverged" ? .diverged : .ok
    }

    static func summary(_ m: [String: Any]) -> String {
        func f(_ k: String) -> String { (m[k] as? Double).map { String(format: "%.4f", $0) } ?? "n/a" }
        var s = "done: \(m["status"]!) (\(m["stop_reason"]!)), \(m["epochs"]!) epochs, best epoch \(m["best_epoch"]!), "
            + "valid NLL \(f("valid_nll")), bits/spike \(f("valid_bits_per_spike"))"
        if m["valid_r2_per_neuron"] != nil {
            s += "\n  R² per neuron / pooled: train \(f("train_r2_per_neuron")) / \(f("train_r2_pooled")), valid \(f("valid_r2_per_neuron")) / \(f("valid_r2_pooled"))"
        }
        return s
    }
}
