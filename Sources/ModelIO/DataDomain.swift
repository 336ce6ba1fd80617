import LFADS

/// The values a data element may take under an observation model (docs/data.md §1,
/// docs/model.md §14); checked on every element at load, so a bad value is named by its
/// [k,t,n] index instead of turning into a NaN loss hours later.
public enum DataDomain: Sendable, Equatable {
    /// Poisson: whole counts ≥ 0 (and ≤ 2^24, exact in Float32).
    case counts
    /// Gaussian: any finite value.
    case real
    /// Gamma: x > 0.
    case positive
    /// ZIG: exactly 0, or above `gamma_loc` (0 < x ≤ loc has no density).
    case zeroOrAbove(loc: Double)

    public init(_ hp: Hyperparameters) {
        switch hp.observation {
        case .poisson: self = .counts
        case .gaussian: self = .real
        case .gamma: self = .positive
        case .zig: self = .zeroOrAbove(loc: hp.gammaLoc)
        }
    }

    /// The rule broken by a finite value, or nil; for messages after "value v at [k,t,n]".
    func violation(_ v: Double) -> String? {
        switch self {
        case .counts: return nil   // counts have their own, older messages (DatasetValidation.counts)
        case .real: return nil
        case .positive: return v > 0 ? nil : "is not > 0 (recon: gamma needs positive data)"
        case .zeroOrAbove(let loc):
            return v == 0 || v > loc ? nil
                : "is neither 0 nor > gamma_loc = \(DatasetValidation.format(loc)) (recon: zig)"
        }
    }
}
