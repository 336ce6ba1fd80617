import Foundation
import LFADS
import ModelIO
import Training

public enum EvalRun {
    /// Rates (and metrics, with truth) of a saved parameter file on a dataset, in the output layout of training.
    public static func run(params paramsPath: String, data dataPath: String, out: String, posteriorMean: Bool,
                           samples: Int?, force: Bool, psthSmoothingMs: Double = 70,
                           nlbSubmission: String? = nil, nlbDataset: String? = nil,
                           log: (String) -> Void = { print($0) }) throws {
        if FileManager.default.fileExists(atPath: out) && !force {
            throw RunError("\(out) already exists; use --force to overwrite it")
        }
        if let nlbSubmission, FileManager.default.fileExists(atPath: nlbSubmission) && !force {
            throw RunError("\(nlbSubmission) already exists; use --force to overwrite it")
        }
        if nlbSubmission != nil && nlbDataset == nil { throw RunError("--nlb-submission needs --nlb-dataset (e.g. mc_maze)") }
        var (hp, params): (Hyperparameters, [Float]) = try ParameterFile.read(paramsPath)
        if hp.isStitched {
            // docs/model.md §18: --data names every session's file (paths, a glob, comma-separated).
            if let samples { hp.posteriorSamples = samples }
            let patterns = dataPath.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            return try StitchedRun.eval(hp: hp, params: params, paramsPath: paramsPath, dataPatterns: patterns, out: out,
                                        posteriorMean: posteriorMean, psthSmoothingMs: psthSmoothingMs, force: force, log: log)
        }
        var d = try SpikeDataset.load(path: dataPath, domain: DataDomain(hp), missing: hp.usesSBTT, extDim: hp.extInputDim)
        for w in d.warnings { log("warning: \(w)") }
        guard d.N == hp.dataDim, d.T == hp.seqLen else {
            throw RunError("\(dataPath) has T = \(d.T) bins and N = \(d.N) neurons, but the model in \(paramsPath) was trained on T = \(hp.seqLen), N = \(hp.dataDim)")
        }
        // The model's encoder input decides which columns and bins are held out; a file that marks
        // others would be scored on data that model's encoder saw.
        d = try d.withHeldout(neurons: hp.heldoutNeurons, forwardBins: hp.forwardBins) { key, model, file in
            "\(dataPath) marks \(key) = \(file), but the model in \(paramsPath) was trained with \(key) = \(model)"
        }
        // Checked before inference, so a typo costs no time.
        let submissionGroup = try nlbDataset.map { try NLBSubmission.group(dataset: $0, binMs: d.binMs) }
        if let own = d.nlbDataset, let group = submissionGroup, own != group {
            log("warning: \(dataPath) was prepared for \(own); writing the submission group \(group) as asked")
        }
        if let samples { hp.posteriorSamples = samples }
        let data = TrainingData(
            train: SplitData(counts: d.trainCounts, trials: d.trainCount, inds: d.trainInds, splitID: 0, ext: d.trainExt),
            valid: SplitData(counts: d.validCounts, trials: d.validCount, inds: d.validInds, splitID: 1, ext: d.validExt),
            T: d.T, N: d.N)
        let estimator: RateEstimator = posteriorMean ? .posteriorMean : .sampleAverage(samples: hp.posteriorSamples)
        let inf = Outputs.infer(hp: hp, params: params, data: data, estimator: estimator)
        let m = Outputs.metrics(inf, dataset: d, psthSmoothingMs: psthSmoothingMs)
        let json = RunMetrics(values: m).json
        try Outputs.writeRates(inf, hp: hp, params: params, dataset: d, to: out,
                               attributes: ["params_path": paramsPath], metricsJSON: json)
        if let nlbSubmission, let group = submissionGroup {
            try NLBSubmission.write(trainRates: inf.train.rates, validRates: inf.valid.rates, dataset: d, group: group, to: nlbSubmission)
            log("wrote \(nlbSubmission) (group \(group))")
        }
        params = []
        log(m.sorted { $0.key < $1.key }.map { String(format: "%@ %.4f", $0.key, $0.value) }.joined(separator: "\n"))
        log("wrote \(out)")
    }
}
