import Foundation

/// The distribution of one data element given the read-out (docs/model.md §14): hps `recon`.
/// The read-out gives P channels per neuron; channel block p of θ [.., N·P] is columns p·N…p·N+N−1.
public enum ObservationModel: String, CaseIterable, Sendable {
    case poisson, gaussian, gamma, zig

    /// P: read-out channels per neuron.
    public var channels: Int {
        switch self {
        case .poisson: return 1
        case .gaussian, .gamma: return 2
        case .zig: return 3
        }
    }

    /// Whether the model has the trainable per-neuron ZIG scales K [2,N] (`zig.scale`).
    public var hasScale: Bool { self == .zig }

    /// Floor of σ(z) in ZIG (LT's clamp); below it the clamped quantity has no gradient.
    public static let zigSigmoidFloor = 1e-5
    /// Floor of the Gaussian variance (`gaussian_nll_loss`'s eps).
    public static let gaussianVarianceFloor = 1e-6
}

/// ℓ of one element and its derivatives with respect to its P read-out channels and, for ZIG, to
/// the neuron's two scales.
public struct ElementLoss: Sendable, Equatable {
    public var nll = 0.0
    public var dTheta: (Double, Double, Double) = (0, 0, 0)
    public var dScale: (Double, Double) = (0, 0)
    public init() {}
    public static func == (a: ElementLoss, b: ElementLoss) -> Bool {
        a.nll == b.nll && a.dTheta == b.dTheta && a.dScale == b.dScale
    }
}

extension ObservationModel {
    /// ℓ(x | θ) in Double, with its gradient. θ holds the element's P channels (unused ones 0);
    /// `scale` = (K_0n, K_1n) and `loc` = `gamma_loc` matter for ZIG only. The data must lie in the
    /// model's domain (checked at load, docs/data.md §1); outside it ℓ is not finite.
    public func element(x: Double, theta t: (Double, Double, Double), scale: (Double, Double) = (1, 1),
                        loc: Double = 0) -> ElementLoss {
        var r = ElementLoss()
        switch self {
        case .poisson:
            let rate = Foundation.exp(t.0)
            r.nll = rate - x * t.0 + stirlingLogFactorial(x)
            r.dTheta.0 = rate - x
        case .gaussian:
            // LT (`F.gaussian_nll_loss`) clamps v out of autograd, so ∂ℓ/∂s keeps the factor e^s/v.
            let es = Foundation.exp(t.1), v = max(es, Self.gaussianVarianceFloor), d = x - t.0
            r.nll = 0.5 * (Foundation.log(v) + d * d / v)
            r.dTheta.0 = -d / v
            r.dTheta.1 = 0.5 * (1 - d * d / v) * es / v
        case .gamma:
            let alpha = Foundation.exp(t.0), beta = Foundation.exp(t.1), lx = Foundation.log(x)
            r.nll = logGamma(alpha) - alpha * t.1 - (alpha - 1) * lx + beta * x
            r.dTheta.0 = alpha * (digamma(alpha) - t.1 - lx)
            r.dTheta.1 = beta * x - alpha
        case .zig:
            let floor = Self.zigSigmoidFloor
            let sq = logistic(t.2), qClamped = sq < floor
            if x == 0 {
                // −ln(1 − q) as softplus(z_q): finite where σ(z_q) rounds to 1 (LT would give ln 0).
                r.nll = qClamped ? -Foundation.log1p(-floor) : -logSigmoid(-t.2)
                r.dTheta.2 = qClamped ? 0 : sq
                return r
            }
            let sa = logistic(t.0), sb = logistic(t.1)
            let ta = max(sa, floor), tb = max(sb, floor)
            let alpha = ta * scale.0, beta = tb * scale.1, y = x - loc
            let lnBeta = Foundation.log(beta), ly = Foundation.log(y)
            let lnQ = qClamped ? Foundation.log(floor) : logSigmoid(t.2)
            r.nll = logGamma(alpha) - alpha * lnBeta - (alpha - 1) * ly + beta * y - lnQ
            let dAlpha = digamma(alpha) - lnBeta - ly, dBeta = y - alpha / beta
            r.dTheta.0 = sa < floor ? 0 : scale.0 * sa * logistic(-t.0) * dAlpha
            r.dTheta.1 = sb < floor ? 0 : scale.1 * sb * logistic(-t.1) * dBeta
            r.dTheta.2 = qClamped ? 0 : -logistic(-t.2)
            r.dScale = (ta * dAlpha, tb * dBeta)
        }
        return r
    }

    /// m(θ), the element's mean: the "rate" every output and R² uses.
    public func mean(theta t: (Double, Double, Double), scale: (Double, Double) = (1, 1), loc: Double = 0) -> Double {
        switch self {
        case .poisson: return Foundation.exp(t.0)
        case .gaussian: return t.0
        case .gamma: return Foundation.exp(t.0 - t.1)
        case .zig:
            let f = Self.zigSigmoidFloor
            let alpha = max(logistic(t.0), f) * scale.0, beta = max(logistic(t.1), f) * scale.1
            return max(logistic(t.2), f) * (alpha / beta + loc)
        }
    }
}
