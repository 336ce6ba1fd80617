/// The columns of history.csv and results.h5's history/ datasets, in file order.
public enum HistoryColumn: String, CaseIterable, Codable, Sendable {
    case epoch, trainTotal = "train_total", trainRecon = "train_recon", trainKlIc = "train_kl_ic"
    case trainKlCo = "train_kl_co", trainL2 = "train_l2"
    case validTotal = "valid_total", validRecon = "valid_recon", validReconSmoothed = "valid_recon_smoothed"
    case sampValidTrain = "samp_valid_nll_train_trials", sampValidTrainSmoothed = "samp_valid_nll_train_trials_smoothed"
    case sampValidValid = "samp_valid_nll_valid_trials", sampValidValidSmoothed = "samp_valid_nll_valid_trials_smoothed"
    case lr, klWeight = "kl_weight", l2Weight = "l2_weight", gradNorm = "grad_norm"
    case trialsPerSecond = "trials_per_second", seconds

    /// The column's position in a history row.
    public var index: Int { Self.allCases.firstIndex(of: self)! }
}
