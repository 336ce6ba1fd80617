import LFADS
import Vocabulary

/// One row of history.csv: the epoch's losses, metrics and schedule.
public struct EpochRecord: Sendable, Equatable {
    public var epoch = 0
    public var trainTotal = 0.0, trainRecon = 0.0, trainKlIc = 0.0, trainKlCo = 0.0, trainL2 = 0.0
    public var validTotal = Double.nan, validRecon = Double.nan, validReconSmoothed = Double.nan
    public var sampValidTrain = Double.nan, sampValidTrainSmoothed = Double.nan
    public var sampValidValid = Double.nan, sampValidValidSmoothed = Double.nan
    public var lr = 0.0, klWeight = 0.0, l2Weight = 0.0, gradNorm = 0.0
    public var trialsPerSecond = 0.0, seconds = 0.0

    /// A stitched run's per-session validation values (docs/model.md §18), in `sessionColumns` order;
    /// empty for one dataset. Not part of `values`: search rows and their columns stay as they are.
    public var sessionValues: [Double] = []

    public init() {}

    public static let columns = HistoryColumn.allCases.map(\.rawValue)

    /// The history columns that have a value per session: each session's own validation NLLs.
    public static let sessionKinds: [HistoryColumn] = [.validTotal, .validRecon, .sampValidValid]

    /// The names of `sessionValues` for `sessions` sessions: every kind's sessions in order,
    /// "<column>_sess<s>" as in metrics.json.
    public static func sessionColumns(sessions: Int) -> [String] {
        sessionKinds.flatMap { c in (0..<sessions).map { sessionMetricKey(c.rawValue, session: $0) } }
    }

    /// The row of `sessionValues`: per kind of `sessionKinds`, one value per session.
    public static func sessionRow(_ perKind: [[Double]]) -> [Double] {
        precondition(perKind.count == sessionKinds.count)
        return perKind.flatMap { $0 }
    }

    public subscript(_ c: HistoryColumn) -> Double {
        get {
            switch c {
            case .epoch: return Double(epoch)
            case .trainTotal: return trainTotal
            case .trainRecon: return trainRecon
            case .trainKlIc: return trainKlIc
            case .trainKlCo: return trainKlCo
            case .trainL2: return trainL2
            case .validTotal: return validTotal
            case .validRecon: return validRecon
            case .validReconSmoothed: return validReconSmoothed
            case .sampValidTrain: return sampValidTrain
            case .sampValidTrainSmoothed: return sampValidTrainSmoothed
            case .sampValidValid: return sampValidValid
            case .sampValidValidSmoothed: return sampValidValidSmoothed
            case .lr: return lr
            case .klWeight: return klWeight
            case .l2Weight: return l2Weight
            case .gradNorm: return gradNorm
            case .trialsPerSecond: return trialsPerSecond
            case .seconds: return seconds
            }
        }
        set {
            switch c {
            case .epoch: epoch = Int(newValue)
            case .trainTotal: trainTotal = newValue
            case .trainRecon: trainRecon = newValue
            case .trainKlIc: trainKlIc = newValue
            case .trainKlCo: trainKlCo = newValue
            case .trainL2: trainL2 = newValue
            case .validTotal: validTotal = newValue
            case .validRecon: validRecon = newValue
            case .validReconSmoothed: validReconSmoothed = newValue
            case .sampValidTrain: sampValidTrain = newValue
            case .sampValidTrainSmoothed: sampValidTrainSmoothed = newValue
            case .sampValidValid: sampValidValid = newValue
            case .sampValidValidSmoothed: sampValidValidSmoothed = newValue
            case .lr: lr = newValue
            case .klWeight: klWeight = newValue
            case .l2Weight: l2Weight = newValue
            case .gradNorm: gradNorm = newValue
            case .trialsPerSecond: trialsPerSecond = newValue
            case .seconds: seconds = newValue
            }
        }
    }

    /// The row in `HistoryColumn` order: history.csv, checkpoints and results rows.
    public var values: [Double] { HistoryColumn.allCases.map { self[$0] } }

    public init(values v: [Double]) {
        precondition(v.count == HistoryColumn.allCases.count)
        for (c, x) in zip(HistoryColumn.allCases, v) { self[c] = x }
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
