import Foundation

/// Every hyperparameter of the model, loss and training loop (docs/model.md §1), under its config key.
public struct Hyperparameters: Equatable, Sendable {
    public var dataDim = 0, seqLen = 0
    /// The last heldout_neurons columns and last forward_bins bins are never shown to the encoder
    /// (NLB layout); the model still predicts them and they stay in the training loss.
    public var heldoutNeurons = 0, forwardBins = 0
    public var icEncDim = 64, ciEncDim = 64, conDim = 64, coDim = 4
    public var icDim = 64, genDim = 200, facDim = 100
    public var ciLag = 1
    public var cellClip = 5.0
    public var icPostVarMin = 1e-4, icPriorVar = 0.1
    public var coPriorTau = 10.0, coPriorNvar = 0.1
    public var dropoutRate = 0.3
    public var cdRate = 0.3, cdPassRate = 0.0
    public var svRate = 0.0, svSeed = 0
    public var klIcScale = 1e-6, klCoScale = 1e-6
    public var l2GenScale = 1e-4, l2ConScale = 1e-4, l2IcEncScale = 0.0, l2CiEncScale = 0.0
    public var klStartEpoch = 0, klIncreaseEpoch = 80, l2StartEpoch = 0, l2IncreaseEpoch = 80
    public var lr = 4e-3
    public var lrSchedule = "constant"
    public var lrDecay = 0.95, lrPatience = 6, lrStop = 1e-5
    public var adamBeta1 = 0.9, adamBeta2 = 0.999, adamEps = 1e-8
    public var lossScale = 1e4, maxGradNorm = 200.0
    public var batchSize = 128
    public var maxEpochs = 1000, earlyStopPatience = 200
    public var maxMinutes = 0.0
    public var smoothCoef = 0.7
    public var posteriorSamples = 50
    public var seed = 0
    /// Observation model (docs/model.md §14) and its ZIG constants; LT's defaults (`radical.yaml`).
    public var recon = "poisson"
    public var gammaLoc = 0.1, zigScaleInit = 20.0, zigScalePrior = 20.0, zigScalePenalty = 1e-4
    /// 1 = SBTT (docs/model.md §15): NaN in the data marks a missing entry. 0 = the base model.
    public var sbtt = 0
    /// External inputs per bin (docs/model.md §16): `{train,valid}_ext_input` drive the generator. 0 = none.
    public var extInputDim = 0
    /// Temporal-shift augmentation (docs/model.md §17): per-trial, per-neuron shifts of the training
    /// data, N(0, std²) rounded and clamped to ±max; max = 0 is off. lfads-torch's std default.
    public var temporalShiftStd = 3.0, temporalShiftMax = 0
    /// Multi-session stitching (docs/model.md §18): R of the per-session read-ins (0 = none, the base
    /// model), each session's "N:heldout:forward_bins" (';'-separated, in session order) and the
    /// adapters' init, training and batching. Written to `hps` only when stitching is on.
    public var readinDim = 0, sessionShapes = "", readinInit = "random", readoutPcr = "pinv"
    public var trainReadin = 0, trainReadout = 1, sessionBatching = "mixed"

    public init() {}

    public var hasController: Bool { coDim > 0 }
    /// The observation model `recon` names; Poisson for a name `problems()` refuses.
    public var observation: ObservationModel { ObservationModel(rawValue: recon) ?? .poisson }
    /// Whether NaN in the data marks missing entries (§15).
    public var usesSBTT: Bool { sbtt != 0 }
    /// Whether the generator reads external inputs (§16).
    public var usesExtInput: Bool { extInputDim > 0 }
    /// Whether training steps shift the data in time (§17).
    public var usesTemporalShift: Bool { temporalShiftMax > 0 }
}

/// The value kinds a hyperparameter can take; drives parsing, range checks and JSON.
public enum HPValue: Equatable, Sendable, CustomStringConvertible {
    case int(Int), double(Double), string(String)
    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return formatDouble(v)
        case .string(let s): return s
        }
    }
}

func formatDouble(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(format: "%.1f", v) }
    return "\(v)"
}

public struct HyperparameterError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ d: String) { description = d }
}

extension Hyperparameters {
    typealias Accessor = (get: @Sendable (Hyperparameters) -> HPValue, set: @Sendable (inout Hyperparameters, HPValue) throws -> Void)

    static func int(_ kp: WritableKeyPath<Hyperparameters, Int> & Sendable, _ name: String) -> (String, Accessor) {
        (name, ({ .int($0[keyPath: kp]) }, { h, v in
            switch v {
            case .int(let i): h[keyPath: kp] = i
            case .double(let d) where d == d.rounded() && abs(d) < 1e15: h[keyPath: kp] = Int(d)
            default: throw HyperparameterError("'\(name)' must be an integer, got \(v)")
            }
        }))
    }
    static func dbl(_ kp: WritableKeyPath<Hyperparameters, Double> & Sendable, _ name: String) -> (String, Accessor) {
        (name, ({ .double($0[keyPath: kp]) }, { h, v in
            switch v {
            case .int(let i): h[keyPath: kp] = Double(i)
            case .double(let d): h[keyPath: kp] = d
            case .string: throw HyperparameterError("'\(name)' must be a number, got \(v)")
            }
        }))
    }
    static func str(_ kp: WritableKeyPath<Hyperparameters, String> & Sendable, _ name: String) -> (String, Accessor) {
        (name, ({ .string($0[keyPath: kp]) }, { h, v in
            guard case .string(let s) = v else { throw HyperparameterError("'\(name)' must be a string, got \(v)") }
            h[keyPath: kp] = s
        }))
    }

    /// Config keys in the order of docs/model.md §1.
    static let accessors: [(String, Accessor)] = [
        int(\.dataDim, "data_dim"), int(\.seqLen, "seq_len"),
        int(\.heldoutNeurons, "heldout_neurons"), int(\.forwardBins, "forward_bins"),
        int(\.icEncDim, "ic_enc_dim"), int(\.ciEncDim, "ci_enc_dim"),
        int(\.conDim, "con_dim"), int(\.coDim, "co_dim"),
        int(\.icDim, "ic_dim"), int(\.genDim, "gen_dim"), int(\.facDim, "fac_dim"),
        int(\.ciLag, "ci_lag"), dbl(\.cellClip, "cell_clip"),
        dbl(\.icPostVarMin, "ic_post_var_min"), dbl(\.icPriorVar, "ic_prior_var"),
        dbl(\.coPriorTau, "co_prior_tau"), dbl(\.coPriorNvar, "co_prior_nvar"),
        dbl(\.dropoutRate, "dropout_rate"), dbl(\.cdRate, "cd_rate"), dbl(\.cdPassRate, "cd_pass_rate"),
        dbl(\.svRate, "sv_rate"), int(\.svSeed, "sv_seed"),
        dbl(\.klIcScale, "kl_ic_scale"), dbl(\.klCoScale, "kl_co_scale"),
        dbl(\.l2GenScale, "l2_gen_scale"), dbl(\.l2ConScale, "l2_con_scale"),
        dbl(\.l2IcEncScale, "l2_ic_enc_scale"), dbl(\.l2CiEncScale, "l2_ci_enc_scale"),
        int(\.klStartEpoch, "kl_start_epoch"), int(\.klIncreaseEpoch, "kl_increase_epoch"),
        int(\.l2StartEpoch, "l2_start_epoch"), int(\.l2IncreaseEpoch, "l2_increase_epoch"),
        dbl(\.lr, "lr"), str(\.lrSchedule, "lr_schedule"),
        dbl(\.lrDecay, "lr_decay"), int(\.lrPatience, "lr_patience"), dbl(\.lrStop, "lr_stop"),
        dbl(\.adamBeta1, "adam_beta1"), dbl(\.adamBeta2, "adam_beta2"), dbl(\.adamEps, "adam_eps"),
        dbl(\.lossScale, "loss_scale"), dbl(\.maxGradNorm, "max_grad_norm"),
        int(\.batchSize, "batch_size"), int(\.maxEpochs, "max_epochs"),
        int(\.earlyStopPatience, "early_stop_patience"), dbl(\.maxMinutes, "max_minutes"),
        dbl(\.smoothCoef, "smooth_coef"), int(\.posteriorSamples, "posterior_samples"), int(\.seed, "seed"),
        str(\.recon, "recon"), dbl(\.gammaLoc, "gamma_loc"), dbl(\.zigScaleInit, "zig_scale_init"),
        dbl(\.zigScalePrior, "zig_scale_prior"), dbl(\.zigScalePenalty, "zig_scale_penalty"),
        int(\.sbtt, "sbtt"), int(\.extInputDim, "ext_input_dim"),
        dbl(\.temporalShiftStd, "temporal_shift_std"), int(\.temporalShiftMax, "temporal_shift_max"),
    ] + sessionAccessors
    /// The temporal-shift keys: written to `hps` only when the shift is on, so a base model's
    /// parameter file is unchanged (docs/model.md §17).
    public static let temporalShiftKeys: Set<String> = ["temporal_shift_std", "temporal_shift_max"]
    /// The observation-model keys: a Poisson model's `hps` JSON leaves them out, so its parameter
    /// file is byte for byte what it was before they existed (docs/model.md §14).
    public static let observationKeys: Set<String> = ["recon", "gamma_loc", "zig_scale_init", "zig_scale_prior", "zig_scale_penalty"]
    static let accessorByName: [String: Accessor] = Dictionary(uniqueKeysWithValues: accessors)

    public static var keys: [String] { accessors.map(\.0) }
    /// Keys that describe the data rather than the model's capacity or training.
    public static let dataShapeKeys: Set<String> = ["data_dim", "seq_len", "heldout_neurons", "forward_bins"]

    public subscript(key: String) -> HPValue? { Self.accessorByName[key].map { $0.get(self) } }

    /// Sets one key; unknown keys and wrong kinds are errors naming the key.
    public mutating func set(_ key: String, _ value: HPValue) throws {
        guard let acc = Self.accessorByName[key] else {
            throw HyperparameterError("unknown hyperparameter '\(key)'\(Self.suggestion(for: key))")
        }
        try acc.set(&self, value)
    }

    static func suggestion(for key: String) -> String {
        let close = keys.filter { editDistance($0, key) <= 2 }
        return close.isEmpty ? "" : " (did you mean '\(close[0])'?)"
    }
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var prev = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var cur = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        prev = cur
    }
    return a.isEmpty ? b.count : prev[b.count]
}
