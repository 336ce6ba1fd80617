/// `search.select_by`: how a search picks one model per dataset size, and how reports re-apply it.
/// Truth-based metrics are recorded but never a rule.
public enum SelectBy: String, CaseIterable, Codable, Sendable {
    case validNLL = "valid_nll", sampValidNLL = "samp_valid_nll", validCobps = "valid_cobps"
    /// NLB's vel R² on the valid trials: only when asked for, since it reads their behaviour.
    case validVelR2 = "valid_vel_r2"

    /// The column the rule ranks by: co-bps ranks on each size's own validation trials
    /// (`subset_valid_cobps`) and is reported on the full validation split.
    public var rankBy: Metric {
        switch self {
        case .validNLL: return .validNLL
        case .sampValidNLL: return .sampValidNLL
        case .validCobps: return .subsetValidCobps
        case .validVelR2: return .validVelR2
        }
    }

    /// The metric reported for the chosen row, under the rule's own name.
    public var reported: Metric {
        switch self {
        case .validNLL: return .validNLL
        case .sampValidNLL: return .sampValidNLL
        case .validCobps: return .validCobps
        case .validVelR2: return .validVelR2
        }
    }

    public var higherIsBetter: Bool { self == .validCobps || self == .validVelR2 }

    public var displayName: String {
        switch self {
        case .validNLL: return "valid NLL"
        case .sampValidNLL: return "sample-validation NLL"
        case .validCobps: return "co-bps"
        case .validVelR2: return "vel R²"
        }
    }

    /// The row's fitness, lower is better (NaN where the metric is missing): the one ranking rule.
    public func fitness(_ metrics: [String: Double]) -> Double {
        let v = metrics[rankBy] ?? .nan
        return higherIsBetter ? -v : v
    }

    /// Whether `a` beats `b`; ties keep the earlier row.
    public func better(_ a: Double, than b: Double) -> Bool { higherIsBetter ? a > b : a < b }
}

/// The "oracle" of reports: the best truth R², an upper bound no usable rule can reach.
public let oracleMetric = Metric.validR2PerNeuron

/// `search.method`.
public enum SearchMethod: String, CaseIterable, Codable, Sendable {
    case random, pbt
}
