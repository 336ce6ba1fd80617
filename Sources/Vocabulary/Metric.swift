/// Every number a run or a search reports, by the name it has in metrics.json, eval output, the
/// results file and report tables. These names are file formats: change one and old files no
/// longer read the same.
public enum Metric: String, CaseIterable, Codable, Sendable {
    // Fit to the data (docs/data.md §4).
    case trainNLL = "train_nll", validNLL = "valid_nll", validHeldinNLL = "valid_heldin_nll"
    case validRateNLL = "valid_rate_nll", trainLoss = "train_loss"
    case validBitsPerSpike = "valid_bits_per_spike"
    /// Sample-validation NLL: the selection signal and its two smoothed values at the LVE epoch.
    case sampValidNLL = "samp_valid_nll", sampValidNLLValidTrials = "samp_valid_nll_valid_trials"
    case sampValidNLLTrainTrialsAtBest = "samp_valid_nll_train_trials_smth_at_best"
    case sampValidNLLValidTrialsAtBest = "samp_valid_nll_valid_trials_smth_at_best"
    case bestValidNLLSmoothed = "best_valid_nll_smoothed"
    // Held-out neurons and forward bins (NLB).
    case validCobps = "valid_cobps", subsetValidCobps = "subset_valid_cobps", validFpbps = "valid_fpbps"
    case validVelR2 = "valid_vel_r2", validPsthR2 = "valid_psth_r2"
    // Against the true rates of synthetic data.
    case trainR2PerNeuron = "train_r2_per_neuron", trainR2Pooled = "train_r2_pooled"
    case validR2PerNeuron = "valid_r2_per_neuron", validR2Pooled = "valid_r2_pooled"
    case allR2PerNeuron = "all_r2_per_neuron", allR2Pooled = "all_r2_pooled"
    case r2ExcludedNeurons = "r2_excluded_neurons"
    // How the run went.
    case epochs, bestEpoch = "best_epoch", seconds, trialsPerSecond = "trials_per_second"

    /// The columns of results.h5's trials/metrics matrix, in file order (docs/search.md §6).
    public static let resultsColumns: [Metric] = [
        .validNLL, .sampValidNLL, .sampValidNLLValidTrials, .trainLoss, .validRateNLL, .validBitsPerSpike,
        .validCobps, .subsetValidCobps, .validFpbps, .validVelR2, .validPsthR2, .validR2PerNeuron,
        .validR2Pooled, .epochs, .bestEpoch, .seconds,
    ]
}

/// The non-numeric fields of metrics.json.
public enum RunField: String, CaseIterable, Sendable {
    case status, stopReason = "stop_reason", stopDetail = "stop_detail", selected
}

extension Dictionary where Key == String {
    public subscript(_ m: Metric) -> Value? {
        get { self[m.rawValue] }
        set { self[m.rawValue] = newValue }
    }
}
