import Foundation

/// Stirling's log x! as in `poisson_nll_loss(full=True)`: 0 for x ≤ 1 (docs/model.md §5).
@inlinable public func stirlingLogFactorial(_ x: Double) -> Double {
    x > 1 ? x * Foundation.log(x) - x + 0.5 * Foundation.log(2 * Double.pi * x) : 0
}

/// Poisson NLL of count x under log-rate λ, Stirling term included.
@inlinable public func poissonNLL(count x: Double, logRate lam: Double) -> Double {
    Foundation.exp(lam) - x * lam + stirlingLogFactorial(x)
}

/// The AR(1) prior of one controller-output channel from its trainable parameters (§4).
public struct AR1Prior: Sendable {
    public let tau: Double, alpha: Double, nu: Double, stationaryVariance: Double
    public init(logTau: Double, logNvar: Double) {
        tau = Foundation.exp(logTau)
        alpha = Foundation.exp(-1 / tau)
        nu = Foundation.exp(logNvar)
        stationaryVariance = nu / (1 - alpha * alpha)
    }

    /// −log p(z′) of one sequence.
    public func negativeLogDensity(_ z: [Double]) -> Double {
        let ln2pi = Foundation.log(2 * Double.pi)
        var s = 0.5 * (ln2pi + Foundation.log(stationaryVariance) + z[0] * z[0] / stationaryVariance)
        for t in 1..<max(z.count, 1) where z.count > 1 {
            let delta = z[t] - alpha * z[t - 1]
            s += 0.5 * (ln2pi + Foundation.log(nu) + delta * delta / nu)
        }
        return s
    }
}

/// KL ramp weight of epoch e (0-based): clip((e − start + 1)/(increase + 1), 0, 1).
public func rampWeight(epoch e: Int, start: Int, increase: Int) -> Double {
    min(max(Double(e - start + 1) / Double(increase + 1), 0), 1)
}

extension Hyperparameters {
    public func lossWeights(epoch e: Int) -> LossWeights {
        LossWeights(kl: rampWeight(epoch: e, start: klStartEpoch, increase: klIncreaseEpoch),
                    l2: rampWeight(epoch: e, start: l2StartEpoch, increase: l2IncreaseEpoch))
    }
    /// The first epoch at which both ramps are complete.
    public var rampsEndEpoch: Int { max(klStartEpoch + klIncreaseEpoch, l2StartEpoch + l2IncreaseEpoch) }
}

extension LFADSModel {
    /// All loss terms from the forward caches (§5–7), accumulated in Double.
    func lossTerms(_ P: UnsafePointer<T>, x: UnsafePointer<T>, noise: NoiseBundle<T>,
                   weights: LossWeights, options: PassOptions) -> LossTerms {
        let d = dims
        let nB = Double(options.normTrials ?? d.B)
        let elems = nB * Double(d.T * d.N)
        let kSv = noise.svKeep(hp)
        let n = d.T * d.B * d.N, lr = logRates.p, rate = rates.p
        if hp.observation == .poisson { for i in 0..<n { rate[i] = T.exp(lr[i]) } }
        // SV splits only what the encoder could see; hidden elements (held-out neurons, forward
        // bins) are always in the loss with weight 1 and never pass the CD gradient gate.
        let sums = hp.observation == .poisson
            ? poissonSums(x: x, noise: noise, options: options)
            : observationSums(P, x: x, noise: noise, options: options)
        let (rec, sv, hidden) = (sums.rec, sums.sv, sums.hidden)
        var visibleElems = nB * Double(d.Tin * d.Nin)
        var terms = LossTerms()
        if hp.usesSBTT {
            // §15: the means run over observed elements only; with none observed the term is 0.
            let nO = options.normObserved ?? observedCounts(x)
            terms.recon = nO.all > 0 ? (rec + kSv * hidden) / (Double(nO.all) * kSv) : 0
            visibleElems = Double(nO.visible)
            terms.heldInRecon = nO.visible > 0 ? rec / (visibleElems * kSv) : 0
        } else {
            terms.recon = (rec + kSv * hidden) / (elems * kSv)
            terms.heldInRecon = rec / (visibleElems * kSv)
        }
        if noise.svApplied && hp.svRate > 0 { terms.svNll = visibleElems > 0 ? sv / (visibleElems * hp.svRate) : 0 }
        terms.klIc = klIc(P) / nB
        if d.hasController { terms.klCo = klCo(P, noise: noise, gradScale: nil) / nB }
        terms.l2 = l2Value(P) + zigScalePenalty(P)
        let regularisers = weights.l2 * terms.l2 + weights.kl * (hp.klIcScale * terms.klIc + hp.klCoScale * terms.klCo)
        terms.total = terms.recon + regularisers
        terms.heldInTotal = terms.heldInRecon + regularisers
        return terms
    }

    /// Σ m_sv·ℓ and Σ (1 − m_sv)·ℓ over visible elements and Σ ℓ over hidden ones, Poisson.
    func poissonSums(x: UnsafePointer<T>, noise: NoiseBundle<T>, options: PassOptions)
        -> ReconSums {
        let d = dims, lr = logRates.p, rate = rates.p, svm = noise.svMask.p, svs = noise.svMask.scale
        var sums = ReconSums()
        for t in 0..<d.T {
            for b in 0..<d.B {
                let row = (t * d.B + b) * d.N
                for j in 0..<d.N {
                    let i = row + j, visible = t < d.Tin && j < d.Nin
                    // Missing elements (SBTT, §15) are in no sum; without SBTT the data hold no NaN.
                    if x[i].isNaN { continue }
                    let xi = Double(x[i])
                    let l: Double
                    if options.cdSurrogate {
                        let gate = visible ? Double(noise.cdGrad[i]) : 1, lam = Double(lr[i]) * gate
                        l = poissonNLL(count: xi, logRate: lam) * gate
                    } else {
                        // exp(λ) from `rates` (the Float path's approximation, libm in Double); sums in Double.
                        l = Double(rate[i]) - xi * Double(lr[i]) + (xi > 1 ? stirlingLogFactorial(xi) : 0)
                    }
                    sums.add(l, visible: visible, svKeep: Double(maskValue(svm[i], svs)))
                }
            }
        }
        return sums
    }

    /// Observed (non-NaN) elements of x [T,B,N] in this batch: all, and those the encoder may see.
    public func observedCounts(_ x: UnsafePointer<T>) -> (all: Int, visible: Int) {
        let d = dims
        var all = 0, visible = 0
        for t in 0..<d.T {
            for b in 0..<d.B {
                let row = (t * d.B + b) * d.N
                for j in 0..<d.N where !x[row + j].isNaN {
                    all += 1
                    if t < d.Tin && j < d.Nin { visible += 1 }
                }
            }
        }
        return (all, visible)
    }

    /// Σ over trials of the analytic KL(q(z_ic) ‖ p(z_ic)).
    func klIc(_ P: UnsafePointer<T>) -> Double {
        let vp = hp.icPriorVar, lnVp = Foundation.log(vp), D = dims.D
        var s = 0.0
        for b in 0..<dims.B {
            for j in 0..<D {
                let v = Double(icVar.p[b * D + j]), dm = Double(icMean.p[b * D + j]) - Double(P[off.icPriorMean + j])
                s += 0.5 * (lnVp - Foundation.log(v) + v / vp + dm * dm / vp - 1)
            }
        }
        return s
    }

    /// Σ over trials of the one-sample KL_co estimate; with gradScale, also writes its gradients
    /// (times gradScale) into klCoDMean/klCoDLogvar and adds the prior parameters' into G.
    @discardableResult
    func klCo(_ P: UnsafePointer<T>, noise: NoiseBundle<T>, gradScale: Double?,
              grads G: UnsafeMutablePointer<T>? = nil) -> Double {
        let d = dims, U = d.U, B = d.B, TT = d.T
        let ln2pi = Foundation.log(2 * Double.pi)
        var total = 0.0
        var zp = [Double](repeating: 0, count: TT), delta = [Double](repeating: 0, count: TT)
        for k in 0..<U {
            let prior = AR1Prior(logTau: Double(P[off.logTau + k]), logNvar: Double(P[off.logNvar + k]))
            let a = prior.alpha, nu = prior.nu, Pv = prior.stationaryVariance
            var dLogNvar = 0.0, dAlpha = 0.0
            for b in 0..<B {
                var logQ = 0.0
                for t in 0..<TT {
                    let i = (t * B + b) * U + k
                    let lv = Double(coLogvar.p[i]), e = Double(noise.epsKl.p[i])
                    zp[t] = Double(coMean.p[i]) + Foundation.exp(lv / 2) * e
                    logQ += -0.5 * (ln2pi + lv + e * e)
                }
                var negLogP = 0.5 * (ln2pi + Foundation.log(Pv) + zp[0] * zp[0] / Pv)
                for t in 1..<max(TT, 1) where TT > 1 {
                    delta[t] = zp[t] - a * zp[t - 1]
                    negLogP += 0.5 * (ln2pi + Foundation.log(nu) + delta[t] * delta[t] / nu)
                }
                total += logQ + negLogP
                guard let w = gradScale else { continue }
                for t in 0..<TT {
                    var g: Double
                    if t == 0 { g = zp[0] / Pv - (TT > 1 ? a * delta[1] / nu : 0) }
                    else if t < TT - 1 { g = (delta[t] - a * delta[t + 1]) / nu }
                    else { g = delta[t] / nu }
                    let i = (t * B + b) * U + k
                    let lv = Double(coLogvar.p[i]), e = Double(noise.epsKl.p[i])
                    klCoDMean.p[i] = T(w * g)
                    klCoDLogvar.p[i] = T(w * (-0.5 + 0.5 * g * Foundation.exp(lv / 2) * e))
                }
                dLogNvar += 0.5 * (1 - zp[0] * zp[0] / Pv)
                dAlpha += (1 - zp[0] * zp[0] / Pv) * a / (1 - a * a)
                for t in 1..<max(TT, 1) where TT > 1 {
                    dLogNvar += 0.5 * (1 - delta[t] * delta[t] / nu)
                    dAlpha -= delta[t] * zp[t - 1] / nu
                }
            }
            if let w = gradScale, let G {
                G[off.logNvar + k] += T(w * dLogNvar)
                G[off.logTau + k] += T(w * dAlpha * a / prior.tau)
            }
        }
        return total
    }

    /// L2 of §5 including each kernel's s_k, without the ramp weight.
    func l2Value(_ P: UnsafePointer<T>) -> Double {
        var s = 0.0
        for k in l2Kernels {
            var ss = 0.0
            for i in 0..<k.count { let w = Double(P[k.offset + i]); ss += w * w }
            s += 0.5 * k.scale * ss
        }
        return s / l2Denominator
    }
}

/// The reconstruction sums of one pass, shared by the Poisson and the other observation models:
/// Σ m_sv·ℓ and Σ (1 − m_sv)·ℓ over elements the encoder may see, Σ ℓ over hidden ones.
struct ReconSums {
    var rec = 0.0, sv = 0.0, hidden = 0.0

    @inline(__always) mutating func add(_ l: Double, visible: Bool, svKeep m: Double) {
        if visible {
            rec += m * l
            sv += (1 - m) * l
        } else {
            hidden += l
        }
    }
}
