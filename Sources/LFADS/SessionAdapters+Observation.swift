import Foundation

/// Non-Poisson observation models (docs/model.md §14) in a stitched model's read-outs (§18): each
/// session's θ_s [T,B_s,N_s·P] holds P channel blocks of N_s columns, and with ZIG each session has
/// its own scales K_s [2,N_s]. The per-element work is the base model's (`ObservationModel.element`).
extension StitchedModel {
    /// The P channels of session s's flat [T,B_s,N_s] element i.
    @inline(__always) func theta(_ s: Int, _ i: Int) -> (Double, Double, Double) {
        let N = sessions[s].neurons, j = i % N, base = logRates[s].p + (i / N) * N * PC + j
        switch PC {
        case 1: return (Double(base[0]), 0, 0)
        case 2: return (Double(base[0]), Double(base[N]), 0)
        default: return (Double(base[0]), Double(base[N]), Double(base[2 * N]))
        }
    }

    /// (K_0n, K_1n) of session s for ZIG; unused otherwise.
    @inline(__always) func zigScales(_ P: UnsafePointer<T>, session s: Int, neuron j: Int) -> (Double, Double) {
        guard !zigK.isEmpty else { return (1, 1) }
        return (Double(P[zigK[s] + j]), Double(P[zigK[s] + sessions[s].neurons + j]))
    }

    /// Session s's recon sums as `reconSums`, under the model's observation model; also fills rates[s]
    /// with the mean m(θ). Missing (NaN) elements get a mean and no loss.
    func observationSums(_ s: Int, _ P: UnsafePointer<T>, x: UnsafePointer<T>, noise: SessionNoise<T>,
                         surrogate: Bool) -> ReconSums {
        let shape = sessions[s], N = shape.neurons, Bs = batches[s], obs = hp.observation, loc = hp.gammaLoc
        let Nin = N - shape.heldout, Tin = TT - shape.forwardBins
        let rate = rates[s].p, svm = noise.svMask[s], cdg = noise.cdGrad[s]
        var sums = ReconSums()
        for t in 0..<TT {
            for b in 0..<Bs {
                for j in 0..<N {
                    let i = (t * Bs + b) * N + j, visible = t < Tin && j < Nin
                    let th = theta(s, i), k = zigScales(P, session: s, neuron: j), xi = Double(x[i])
                    rate[i] = T(obs.mean(theta: th, scale: k, loc: loc))
                    if xi.isNaN { continue }
                    let l: Double
                    if surrogate && visible {
                        let g = Double(cdg[i])
                        l = g * obs.element(x: xi, theta: (g * th.0, g * th.1, g * th.2), scale: k, loc: loc).nll
                    } else {
                        l = obs.element(x: xi, theta: th, scale: k, loc: loc).nll
                    }
                    sums.add(l, visible: visible, svKeep: Double(svm[i]))
                }
            }
        }
        return sums
    }

    /// ∂L_rec/∂θ_s into dTheta[s] and ∂L_rec/∂K_s into G, with the weights of the Poisson path
    /// (c·G·m_sv where the encoder may see the element, c·k_sv where it never does, 0 where missing).
    /// `scales` false: K_s is frozen with its read-out and gets no gradient.
    func observationBackward(_ s: Int, _ P: UnsafePointer<T>, _ G: UnsafeMutablePointer<T>, x: UnsafePointer<T>,
                             noise: SessionNoise<T>, c: Double, kSv: Double, scales: Bool) {
        let shape = sessions[s], N = shape.neurons, NP = N * PC, Bs = batches[s], obs = hp.observation, loc = hp.gammaLoc
        let Nin = N - shape.heldout, Tin = TT - shape.forwardBins
        let dl = dTheta[s].p, cdg = noise.cdGrad[s], sv = noise.svMask[s]
        var dK = [Double](repeating: 0, count: 2 * N)
        for t in 0..<TT {
            for b in 0..<Bs {
                let row = t * Bs + b
                for j in 0..<N {
                    let i = row * N + j, o = row * NP + j, visible = t < Tin && j < Nin
                    let w = x[i].isNaN ? 0 : visible ? c * Double(cdg[i]) * Double(sv[i]) : c * kSv
                    guard w != 0 else {
                        for p in 0..<PC { dl[o + p * N] = 0 }
                        continue
                    }
                    let e = obs.element(x: Double(x[i]), theta: theta(s, i), scale: zigScales(P, session: s, neuron: j), loc: loc)
                    dl[o] = T(w * e.dTheta.0)
                    if PC > 1 { dl[o + N] = T(w * e.dTheta.1) }
                    if PC > 2 { dl[o + 2 * N] = T(w * e.dTheta.2) }
                    if obs.hasScale { dK[j] += w * e.dScale.0; dK[N + j] += w * e.dScale.1 }
                }
            }
        }
        if obs.hasScale && scales { for k in 0..<(2 * N) { G[zigK[s] + k] += T(dK[k]) } }
    }

    /// ½·`zig_scale_penalty`·Σ_s Σ(K_s − `zig_scale_prior`)², in the L2 term as the base model's (§14).
    func zigScalePenalty(_ P: UnsafePointer<T>) -> Double {
        var sum = 0.0
        for (s, o) in zigK.enumerated() {
            for k in 0..<(2 * sessions[s].neurons) { let v = Double(P[o + k]) - hp.zigScalePrior; sum += v * v }
        }
        return 0.5 * hp.zigScalePenalty * sum
    }

    /// Adds scale·∂(penalty)/∂K_s for every session.
    func zigScalePenaltyBackward(_ P: UnsafePointer<T>, _ G: UnsafeMutablePointer<T>, scale: Double) {
        for (s, o) in zigK.enumerated() {
            for k in 0..<(2 * sessions[s].neurons) {
                G[o + k] += T(scale * hp.zigScalePenalty * (Double(P[o + k]) - hp.zigScalePrior))
            }
        }
    }
}
