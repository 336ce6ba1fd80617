import LFADS

/// One row of history.csv: the epoch's losses, metrics and schedule.
public struct EpochRecord: Sendable, Equatable {
    public var epoch = 0
    public var trainTotal = 0.0, trainRecon = 0.0, trainKlIc = 0.0, trainKlCo = 0.0, trainL2 = 0.0
    public var validTotal = Double.nan, validRecon = Double.nan, validReconSmoothed = Double.nan
    public var sampValidTrain = Double.nan, sampValidTrainSmoothed = Double.nan
    public var sampValidValid = Double.nan, sampValidValidSmoothed = Double.nan
    public var lr = 0.0, klWeight = 0.0, l2Weight = 0.0, gradNorm = 0.0
    public var trialsPerSecond = 0.0, seconds = 0.0

    public init() {}

    public static let columns = [
        "epoch", "train_total", "train_recon", "train_kl_ic", "train_kl_co", "train_l2",
        "valid_total", "valid_recon", "valid_recon_smoothed",
        "samp_valid_nll_train_trials", "samp_valid_nll_train_trials_smoothed",
        "samp_valid_nll_valid_trials", "samp_valid_nll_valid_trials_smoothed",
        "lr", "kl_weight", "l2_weight", "grad_norm", "trials_per_second", "seconds",
    ]
    public var values: [Double] {
        [Double(epoch), trainTotal, trainRecon, trainKlIc, trainKlCo, trainL2, validTotal, validRecon,
         validReconSmoothed, sampValidTrain, sampValidTrainSmoothed, sampValidValid, sampValidValidSmoothed,
         lr, klWeight, l2Weight, gradNorm, trialsPerSecond, seconds]
    }
    public init(values v: [Double]) {
        precondition(v.count == Self.columns.count)
        epoch = Int(v[0]); trainTotal = v[1]; trainRecon = v[2]; trainKlIc = v[3]; trainKlCo = v[4]; trainL2 = v[5]
        validTotal = v[6]; validRecon = v[7]; validReconSmoothed = v[8]; sampValidTrain = v[9]
        sampValidTrainSmoothed = v[10]; sampValidValid = v[11]; sampValidValidSmoothed = v[12]
        lr = v[13]; klWeight = v[14]; l2Weight = v[15]; gradNorm = v[16]; trialsPerSecond = v[17]; seconds = v[18]
    }
}

/// Why training stopped.
public enum StopReason: String, Sendable {
    case earlyStop = "early_stop", maxEpochs = "max_epochs", maxMinutes = "max_minutes", lrStop = "lr_stop"
    case diverged, interrupted
}

/// Everything needed to continue training exactly where it left off. Random draws are keyed by
/// (seed, epoch, step, trial), so the epoch number is the whole RNG position.
public struct TrainerState: Sendable {
    public var params: [Float]
    public var adam: AdamState
    public var lr: Double
    /// The next epoch to run.
    public var epoch = 0
    public var history: [EpochRecord] = []
    public var bestParams: [Float]? = nil
    public var bestEpoch = -1
    public var bestValue = Double.infinity
    /// Plateau-rule history H of docs/model.md §8.
    public var plateau: [Double] = []
    public var elapsedSeconds = 0.0
    public var stopReason: StopReason? = nil
    /// A human-readable detail for the stop (e.g. which epoch and step diverged).
    public var stopDetail = ""

    public init(hp: Hyperparameters, params: [Float]) {
        self.params = params
        adam = AdamState(count: params.count)
        lr = hp.lr
    }

    public var finished: Bool { stopReason != nil }

    /// The selected parameters: the LVE checkpoint, else the final ones (docs/model.md §8).
    public var selected: (params: [Float], rule: String, epoch: Int) {
        if let bestParams { return (bestParams, "lve_checkpoint", bestEpoch) }
        return (params, "final_model (ramps never completed)", max(epoch - 1, 0))
    }
}
