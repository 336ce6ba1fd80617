import Foundation
import LFADS
import ModelIO
import Store
import Training
import Vocabulary

/// The posterior of both splits, and the metrics derived from it.
public struct InferredSplits {
    public var train: PosteriorOutputs, valid: PosteriorOutputs
    public var estimator: RateEstimator
    public var observation: ObservationModel = .poisson
}

package enum Outputs {
    package static let version = "0.1.0"

    static func infer(hp: Hyperparameters, params: [Float], data: TrainingData, estimator: RateEstimator) -> InferredSplits {
        InferredSplits(train: inferPosterior(hp: hp, params: params, split: data.train, T: data.T, N: data.N, estimator: estimator),
                       valid: inferPosterior(hp: hp, params: params, split: data.valid, T: data.T, N: data.N, estimator: estimator),
                       estimator: estimator, observation: hp.observation)
    }

    /// NLL, bits/spike and, with truth, both R² definitions for train, valid and all (docs/data.md §4).
    static func metrics(_ inf: InferredSplits, dataset d: SpikeDataset, psthSmoothingMs: Double = defaultPSTHSmoothingMs) -> [String: Double] {
        var m: [String: Double] = [:]
        let poisson = inf.observation == .poisson
        if poisson {
            m[.validNLL] = Metrics.poissonNLL(counts: d.validCounts, rates: inf.valid.rates)
            m[.trainNLL] = Metrics.poissonNLL(counts: d.trainCounts, rates: inf.train.rates)
            m[.validBitsPerSpike] = Metrics.bitsPerSpike(counts: d.validCounts, rates: inf.valid.rates, neurons: d.N)
            m.merge(heldoutMetrics(validRates: inf.valid.rates, dataset: d)) { a, _ in a }
        } else {
            // Bits/spike, co-bps and fp-bps are Poisson rate metrics; other models report their own
            // NLL per element and R² of the mean (docs/model.md §14).
            m.merge(modelNLLMetrics(valid: inf.valid, train: inf.train, dataset: d)) { a, _ in a }
        }
        if let tt = d.trainTruth, let vt = d.validTruth {
            let tr = Metrics.r2PerNeuron(truth: tt, pred: inf.train.rates, neurons: d.N)
            let va = Metrics.r2PerNeuron(truth: vt, pred: inf.valid.rates, neurons: d.N)
            let al = Metrics.r2PerNeuron(truth: tt + vt, pred: inf.train.rates + inf.valid.rates, neurons: d.N)
            m[.trainR2PerNeuron] = tr.r2; m[.validR2PerNeuron] = va.r2; m[.allR2PerNeuron] = al.r2
            m[.r2ExcludedNeurons] = Double(al.excluded)
            m[.trainR2Pooled] = Metrics.r2Pooled(truth: tt, pred: inf.train.rates)
            m[.validR2Pooled] = Metrics.r2Pooled(truth: vt, pred: inf.valid.rates)
            m[.allR2Pooled] = Metrics.r2Pooled(truth: tt + vt, pred: inf.train.rates + inf.valid.rates)
        }
        if d.psth == nil, let psth = psthR2(validRates: inf.valid.rates, dataset: d, smoothingMs: psthSmoothingMs) { m[.validPsthR2] = psth }
        // With NLB targets in the file, psth R² is NLB's, against its stored PSTHs.
        if poisson {
            m.merge(nlbMetrics(trainRates: inf.train.rates, validRates: inf.valid.rates, dataset: d)) { _, nlb in nlb }
        }
        return m
    }

    /// A non-Poisson model's NLL per element under the posterior (valid, train, and valid held-in
    /// when part of the data is hidden from the encoder).
    package static func modelNLLMetrics(valid: PosteriorOutputs, train: PosteriorOutputs?, dataset d: SpikeDataset) -> [String: Double] {
        var m: [String: Double] = [:]
        m[.validNLL] = valid.modelNLL
        if let train { m[.trainNLL] = train.modelNLL }
        if d.heldoutNeurons > 0 || d.forwardBins > 0 { m[.validHeldinNLL] = valid.modelHeldInNLL }
        return m
    }

    /// NLB's kernel sd for MC_Maze; its scaling datasets use 50 ms.
    static let defaultPSTHSmoothingMs = 70.0

    /// PSTH R² of the valid split when the data have conditions: against the condition-averaged truth
    /// (synthetic data), else, as NLB, against condition means of Gaussian-smoothed spikes over
    /// train and valid trials, on the observed bins (needs bin_ms).
    static func psthR2(validRates: [Float], dataset d: SpikeDataset, smoothingMs: Double) -> Double? {
        guard let vc = d.validConditions else { return nil }
        if let vt = d.validTruth {
            let reference = Metrics.conditionMeans(vt, conditions: vc, T: d.T, N: d.N)
            return Metrics.psthR2(reference: reference, pred: validRates, conditions: vc, T: d.T, N: d.N)
        }
        guard let tc = d.trainConditions, let bin = d.binMs, bin > 0, smoothingMs > 0 else { return nil }
        let sd = smoothingMs / bin
        let smoothed = Metrics.gaussianSmoothed(d.trainCounts, T: d.T, N: d.N, sdBins: sd)
            + Metrics.gaussianSmoothed(d.validCounts, T: d.T, N: d.N, sdBins: sd)
        let reference = Metrics.conditionMeans(smoothed, conditions: tc + vc, T: d.T, N: d.N)
        return Metrics.psthR2(reference: reference, pred: validRates, conditions: vc, T: d.T, N: d.N,
                              bins: d.observedBins)
    }

    /// NLB's co-bps (held-out neurons over observed bins) and fp-bps (every neuron over the forward
    /// bins) of the valid split, for the parts of the data the encoder never saw.
    package static func heldoutMetrics(validRates: [Float], dataset d: SpikeDataset, validCounts: [Float]? = nil) -> [String: Double] {
        let counts = validCounts ?? d.validCounts
        var m: [String: Double] = [:]
        if d.heldoutNeurons > 0 || d.forwardBins > 0 {
            m[.validHeldinNLL] = Metrics.poissonNLL(
                counts: counts, rates: validRates, neurons: d.N,
                region: .init(bins: d.observedBins, columns: d.heldInColumns, T: d.T))
        }
        if d.heldoutNeurons > 0 {
            m[.validCobps] = Metrics.bitsPerSpike(
                counts: counts, rates: validRates, neurons: d.N,
                region: .init(bins: d.observedBins, columns: d.heldOutColumns, T: d.T))
        }
        if d.forwardBins > 0 {
            m[.validFpbps] = Metrics.bitsPerSpike(
                counts: counts, rates: validRates, neurons: d.N,
                region: .init(bins: d.observedBins.upperBound..<d.T, columns: 0..<d.N, T: d.T))
        }
        return m
    }

    /// The output HDF5 of docs/data.md §2, written atomically.
    static func writeRates(_ inf: InferredSplits, hp: Hyperparameters, params: [Float], dataset d: SpikeDataset,
                           to path: String, attributes: [String: String], metricsJSON: String) throws {
        let prior = ParameterLayout(hp)["ic_prior.mean"]
        let priorMean = Array(params[prior.offset..<(prior.offset + prior.count)])
        let T = d.T, N = d.N, F = hp.facDim, Hg = hp.genDim, U = hp.coDim, D = hp.icDim
        try H5File.writeAtomically(to: path) { f in
            for (name, out, K, inds) in [("train", inf.train, d.trainCount, d.trainInds), ("valid", inf.valid, d.validCount, d.validInds)] {
                try f.write("\(name)_rates", shape: [K, T, N], floats: out.rates, compress: true)
                try f.write("\(name)_factors", shape: [K, T, F], floats: out.factors, compress: true)
                try f.write("\(name)_gen_states", shape: [K, T, Hg], floats: out.genStates, compress: true)
                if U > 0 { try f.write("\(name)_controller_outputs", shape: [K, T, U], floats: out.controllerOutputs, compress: true) }
                // [u_t | e_t] as the generator read them (docs/model.md §16); absent without ext inputs.
                if hp.extInputDim > 0 {
                    try f.write("\(name)_gen_inputs", shape: [K, T, U + hp.extInputDim], floats: out.genInputs, compress: true)
                }
                try f.write("\(name)_ic_post_mean", shape: [K, D], floats: out.icPostMean)
                try f.write("\(name)_ic_post_logvar", shape: [K, D], floats: out.icPostLogvar)
                try f.write("\(name)_inds", shape: [K], int64s: inds.map(Int64.init))
            }
            try f.write("ic_prior_mean", shape: [D], floats: priorMean)
            try f.write("ic_prior_logvar", shape: [D], floats: [Float](repeating: Float(Foundation.log(hp.icPriorVar)), count: D))
            try f.setAttribute("format", string: "spikesae-output")
            try f.setAttribute("format_version", int64: 1)
            try f.setAttribute("units", string: "rates and factors averaged per bin; rates in expected spikes per bin")
            try f.setAttribute("rate_estimator", string: inf.estimator.name)
            if case .sampleAverage(let s) = inf.estimator { try f.setAttribute("posterior_samples", int64: Int64(s)) }
            try f.setAttribute("sampling_seed", int64: Int64(hp.seed))
            try f.setAttribute("hps_json", string: hp.jsonString())
            try f.setAttribute("metrics_json", string: metricsJSON)
            try f.setAttribute("data_path", string: d.path)
            try f.setAttribute("data_content_sha256", string: d.dataContentSHA256())
            if let sha = try? fileSHA256(d.path) { try f.setAttribute("data_sha256", string: sha) }
            try f.setAttribute("shapes", string: "train [\(d.trainCount), \(T), \(N)], valid [\(d.validCount), \(T), \(N)]")
            if let b = d.binMs { try f.setAttribute("bin_ms", double: b) }
            try f.setAttribute("software_version", string: "spikesae \(version)")
            try f.setAttribute("created_utc", string: ISO8601DateFormatter().string(from: Date()))
            for (k, v) in attributes { try f.setAttribute(k, string: v) }
        }
    }
}
