import Foundation

/// The non-Poisson observation models inside the model's loss and backward (docs/model.md §14).
/// Poisson keeps its own loops in `lossTerms` and `backward`, so the base model is untouched.
/// Per-element work runs in Double on either scalar type: lgamma, digamma and the exponentials of
/// the read-out never see Float cancellation or overflow.
extension LFADSModel {
    /// The P read-out channels of flat [T,B,N] element i.
    @inline(__always) func theta(_ i: Int) -> (Double, Double, Double) {
        let N = dims.N, NP = N * dims.P, j = i % N, base = logRates.p + (i / N) * NP + j
        switch dims.P {
        case 1: return (Double(base[0]), 0, 0)
        case 2: return (Double(base[0]), Double(base[N]), 0)
        default: return (Double(base[0]), Double(base[N]), Double(base[2 * N]))
        }
    }

    /// (K_0n, K_1n) for ZIG, unused otherwise.
    @inline(__always) func zigScales(_ P: UnsafePointer<T>, neuron j: Int) -> (Double, Double) {
        guard off.zigScale >= 0 else { return (1, 1) }
        return (Double(P[off.zigScale + j]), Double(P[off.zigScale + dims.N + j]))
    }

    /// Σ m_sv·ℓ and Σ (1 − m_sv)·ℓ over visible elements and Σ ℓ over hidden ones, as the Poisson
    /// loop of `lossTerms` sums them; also fills `rates` with the mean m(θ).
    func observationSums(_ P: UnsafePointer<T>, x: UnsafePointer<T>, noise: NoiseBundle<T>,
                         options: PassOptions) -> ReconSums {
        let d = dims, obs = hp.observation, loc = hp.gammaLoc, svm = noise.svMask.p, svs = noise.svMask.scale
        var sums = ReconSums()
        for t in 0..<d.T {
            for b in 0..<d.B {
                let row = (t * d.B + b) * d.N
                for j in 0..<d.N {
                    let i = row + j, visible = t < d.Tin && j < d.Nin
                    let th = theta(i), k = zigScales(P, neuron: j), xi = Double(x[i])
                    rates.p[i] = T(obs.mean(theta: th, scale: k, loc: loc))
                    // Missing (SBTT, §15): rates everywhere, loss nowhere.
                    if xi.isNaN { continue }
                    let l: Double
                    if options.cdSurrogate && visible {
                        // §6's surrogate G ⊙ ℓ(x, G ⊙ θ): same gradient as the blocked loss.
                        let g = Double(noise.cdGrad[i])
                        l = g * obs.element(x: xi, theta: (g * th.0, g * th.1, g * th.2), scale: k, loc: loc).nll
                    } else {
                        l = obs.element(x: xi, theta: th, scale: k, loc: loc).nll
                    }
                    sums.add(l, visible: visible, svKeep: Double(maskValue(svm[i], svs)))
                }
            }
        }
        return sums
    }

    /// ∂L_rec/∂θ into dLogRates [T,B,N·P] and ∂L_rec/∂K into G: ∂ℓ/∂θ times the weight the Poisson
    /// path gives ∂ℓ/∂λ (c·G·m_sv visible, c·k_sv hidden; c = scale/(B·T·N·k_sv)).
    func observationBackward(_ P: UnsafePointer<T>, _ G: UnsafeMutablePointer<T>, x: UnsafePointer<T>,
                             noise: NoiseBundle<T>, c: Double, kSv: Double) {
        let d = dims, N = d.N, NP = N * d.P, obs = hp.observation, loc = hp.gammaLoc
        var dK = [Double](repeating: 0, count: 2 * N)
        let dl = dLogRates.p
        for t in 0..<d.T {
            for b in 0..<d.B {
                let row = t * d.B + b
                for j in 0..<N {
                    let i = row * N + j, visible = t < d.Tin && j < d.Nin
                    let w = x[i].isNaN ? 0
                        : visible ? c * Double(noise.cdGrad[i]) * Double(noise.svMask[i]) : c * kSv
                    let o = row * NP + j
                    guard w != 0 else {
                        for p in 0..<d.P { dl[o + p * N] = 0 }
                        continue
                    }
                    let e = obs.element(x: Double(x[i]), theta: theta(i), scale: zigScales(P, neuron: j), loc: loc)
                    dl[o] = T(w * e.dTheta.0)
                    if d.P > 1 { dl[o + N] = T(w * e.dTheta.1) }
                    if d.P > 2 { dl[o + 2 * N] = T(w * e.dTheta.2) }
                    if obs.hasScale { dK[j] += w * e.dScale.0; dK[N + j] += w * e.dScale.1 }
                }
            }
        }
        if obs.hasScale, mutation != .noZigScaleGradient {
            for k in 0..<(2 * N) { G[off.zigScale + k] += T(dK[k]) }
        }
    }

    /// ½·`zig_scale_penalty`·Σ(K − `zig_scale_prior`)², part of the L2 term (LT: not divided by numel).
    func zigScalePenalty(_ P: UnsafePointer<T>) -> Double {
        guard off.zigScale >= 0 else { return 0 }
        var s = 0.0
        for k in 0..<(2 * dims.N) { let v = Double(P[off.zigScale + k]) - hp.zigScalePrior; s += v * v }
        return 0.5 * hp.zigScalePenalty * s
    }

    /// Adds scale·w_l2·∂(penalty)/∂K.
    func zigScalePenaltyBackward(_ P: UnsafePointer<T>, _ G: UnsafeMutablePointer<T>, scale: Double) {
        guard off.zigScale >= 0 else { return }
        for k in 0..<(2 * dims.N) {
            G[off.zigScale + k] += T(scale * hp.zigScalePenalty * (Double(P[off.zigScale + k]) - hp.zigScalePrior))
        }
    }
}
