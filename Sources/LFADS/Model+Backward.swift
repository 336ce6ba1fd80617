extension LFADSModel {
    /// Adds scale·∇L into G, using the caches of the last `forward` with the same arguments.
    /// The reconstruction gradient carries the CD stop-gradient (§6); noise must be in sample mode.
    @_specialize(exported: true, where T == Float)
    public func backward(params P: UnsafePointer<T>, grads G: UnsafeMutablePointer<T>, x: UnsafePointer<T>,
                         noise: NoiseBundle<T>, weights: LossWeights, options: PassOptions = PassOptions(),
                         scale: Double = 1) {
        let d = dims, B = d.B, TB = d.T * B, N = d.N, F = d.F
        let nB = Double(options.normTrials ?? B)

        // ∂L_rec/∂λ = G ⊙ m_sv ⊙ (exp λ − x)/(B·T·N·k_sv) where the encoder may see the element,
        // (exp λ − x)/(B·T·N) where it never does (see lossTerms).
        let kSv = noise.svKeep(hp)
        // SBTT (§15): the normaliser is the observed count n_O and missing elements get no gradient.
        let elems = hp.usesSBTT ? Double(max((options.normObserved ?? observedCounts(x)).all, 1)) : nB * Double(d.T * N)
        if hp.usesSBTT && hp.observation == .poisson {
            let c = scale / (elems * kSv)
            let cdg = noise.cdGrad.p, sv = noise.svMask.p, rate = rates.p, dl = dLogRates.p
            let cdgs = noise.cdGrad.scale, svs = noise.svMask.scale
            for i in 0..<(TB * N) {
                dl[i] = x[i].isNaN ? 0 : T(c) * maskValue(cdg[i], cdgs) * maskValue(sv[i], svs) * (rate[i] - x[i])
            }
            let hiddenC = T(c * kSv)
            d.forEachHidden { dl[$0] = x[$0].isNaN ? 0 : hiddenC * (rate[$0] - x[$0]) }
        } else if hp.observation == .poisson {
            let c = T(scale / (nB * Double(d.T * N) * kSv))
            let cdg = noise.cdGrad.p, sv = noise.svMask.p, rate = rates.p, dl = dLogRates.p
            let cdgs = noise.cdGrad.scale, svs = noise.svMask.scale
            for i in 0..<(TB * N) { dl[i] = c * maskValue(cdg[i], cdgs) * maskValue(sv[i], svs) * (rate[i] - x[i]) }
            let hiddenC = c * T(kSv)
            d.forEachHidden { dl[$0] = hiddenC * (rate[$0] - x[$0]) }
        } else {
            observationBackward(P, G, x: x, noise: noise, c: scale / (elems * kSv), kSv: kSv)
        }
        let NP = N * d.P
        gemm(F, NP, TB, phi.p, F, transA: true, dLogRates.p, NP, G + off.readoutW, NP, beta: 1)
        addColumnSums(dLogRates.p, rows: TB, cols: NP, ld: NP, into: G + off.readoutB)
        gemm(TB, F, NP, dLogRates.p, NP, P + off.readoutW, NP, transB: true, dPhi.p, F)
        backwardFromFactors(P, G, noise: noise, weights: weights, options: options, scale: scale)
    }

    /// Adds scale·∇L into G given ∂L_rec/∂φ in dPhi: KL_co, the time loop, the encoders and L2. The part
    /// of backward that multi-session stitching shares across sessions (docs/model.md §18).
    func backwardFromFactors(_ P: UnsafePointer<T>, _ G: UnsafeMutablePointer<T>, noise: NoiseBundle<T>,
                             weights: LossWeights, options: PassOptions, scale: Double) {
        let d = dims, B = d.B, TB = d.T * B, F = d.F, Hg = d.Hg, U = d.U, Hc = d.Hc
        let nB = Double(options.normTrials ?? B)
        let clip = T(hp.cellClip)
        if d.hasController {
            klCo(P, noise: noise, gradScale: scale * weights.kl * hp.klCoScale / nB, grads: G)
        }
        dPhiInit.zero(); dg.zero(); ds.zero()

        // Generator rows [du_t | dẽ_t | ∂L/∂g] (dẽ_t unused: ext is data, §16), controller rows [dφ_{t−1} | ∂L/∂s].
        let V = d.genIn, ldg = V + Hg, lds = F + Hc, U2 = 2 * U
        transpose(facW.p, rows: Hg, cols: F, into: facWT.p)
        if d.hasController { transpose(coW.p, rows: Hc, cols: U2, into: coWT.p) }
        gen.prepareBackward(wh: P + genP.fusedRows(V))
        if let con, let conP { con.prepareBackward(wh: P + conP.fusedRows(F)) }
        for t in stride(from: d.T - 1, through: 0, by: -1) {
            gemm(B, Hg, F, dPhi.p + t * B * F, F, facWT.p, Hg, dTmp.p, Hg)
            let mask = noise.dG.p + t * B * Hg, ms = noise.dG.scale
            for b in 0..<B {
                let o = dg.p + b * ldg + V, s = dTmp.p + b * Hg, m = mask + b * Hg
                for j in 0..<Hg { o[j] += s[j] * maskValue(m[j], ms) }
            }
            gen.stepBackward(t, dh: dg.p, clip: clip, mutation: mutation, inputGrad: d.hasController)
            guard let con else { continue }
            let dco = dCo.p + t * B * U2, lv = coLogvar.p + t * B * U, eps = noise.epsCo.p + t * B * U
            let kdm = klCoDMean.p + t * B * U, kdl = klCoDLogvar.p + t * B * U
            for b in 0..<B {
                for k in 0..<U {
                    let i = b * U + k, du = dg.p[b * ldg + k]
                    dco[b * U2 + U + k] = du * T.exp(lv[i] / 2) * eps[i] / 2 + kdl[i]
                    dco[b * U2 + k] = du + kdm[i]
                }
            }
            gemm(B, Hc, U2, dco, U2, coWT.p, Hc, ds.p + F, lds, beta: 1)
            con.stepBackward(t, dh: ds.p, clip: clip, mutation: mutation, inputGrad: true)
            let target = t == 0 ? dPhiInit.p : dPhi.p + (t - 1) * B * F
            let pm = noise.dPhi.p + t * B * F, pms = noise.dPhi.scale
            for b in 0..<B {
                let o = target + b * F, s = ds.p + b * lds, m = pm + b * F
                for j in 0..<F { o[j] += s[j] * maskValue(m[j], pms) }
            }
        }

        // Generator weights, its input rows included; dg's state part now holds ∂L/∂g0.
        gen.accumulateRecurrentGrads(dWh: G + genP.fusedRows(V), db: G + genP.b)
        if mutation == .noExtInputGradient { (G + genP.wx + U * 3 * Hg).update(repeating: 0, count: d.Ext * 3 * Hg) }
        if let con, let conP { controllerWeightsBackward(P, G, noise: noise, con: con, conP: conP) }

        // Factor map, including φ_{−1}.
        let dg0 = dg.p + V
        // g_t ⊙ d_g,t for all steps, rebuilt as forward made them, where the ρ rows of the
        // generator and the CI encoders were (their weight gradients are done).
        let gDropped = sharedRows.p
        for t in 0..<d.T { dropGeneratorStates(gen.output(t), mask: noise.dG, at: t * B * Hg, into: gDropped + t * B * Hg) }
        dFacW.zero()
        gemm(Hg, F, TB, gDropped, Hg, transA: true, dPhi.p, F, dFacW.p, F)
        if d.hasController {
            gemm(Hg, F, B, g0Dropped.p, Hg, transA: true, dPhiInit.p, F, dFacW.p, F, beta: 1)
            gemm(B, Hg, F, dPhiInit.p, F, facW.p, F, transB: true, dTmp.p, Hg)
            for b in 0..<B {
                let o = dg0 + b * ldg, s = dTmp.p + b * Hg, m = noise.dG0.p + b * Hg, ms = noise.dG0.scale
                for j in 0..<Hg { o[j] += s[j] * maskValue(m[j], ms) }
            }
        }
        factorNormBackward(G)
        icBackward(P, G, noise: noise, weights: weights, scale: scale, nB: nB)

        if options.includeParameterTerms {
            let w = scale * weights.l2 / l2Denominator
            for k in l2Kernels {
                let s = T(w * k.scale), g = G + k.offset, p = P + k.offset
                for i in 0..<k.count { g[i] += s * p[i] }
            }
            zigScalePenaltyBackward(P, G, scale: scale * weights.l2)
        }
    }

    /// Controller weights, controller-output posterior, and the controller's gradient on the CI encoders.
    func controllerWeightsBackward(_ P: UnsafePointer<T>, _ G: UnsafeMutablePointer<T>, noise: NoiseBundle<T>,
                                   con: GRURun<T>, conP: GRUParams) {
        let d = dims, B = d.B, TB = d.T * B, E = d.Eci, Hc = d.Hc, U = d.U, F = d.F, Hc3 = 3 * Hc, L = d.L
        addColumnSums(ds.p + F, rows: B, cols: Hc, ld: F + Hc, into: G + conP.h0!)
        gemm(2 * E, Hc3, TB, ci.p, 2 * E, transA: true, con.dA.p, Hc3, G + conP.wx, Hc3, beta: 1)
        con.accumulateRecurrentGrads(dWh: G + conP.fusedRows(F), db: G + conP.b)

        // co_post: both maps in one GEMM, then split into the two tensors.
        let U2 = 2 * U
        gemm(Hc, U2, TB, con.output(0), con.stateLd, transA: true, dCo.p, U2, dCoW.p, U2)
        for i in 0..<Hc {
            for k in 0..<U {
                G[off.coWMean + i * U + k] += dCoW.p[i * U2 + k]
                G[off.coWLogvar + i * U + k] += dCoW.p[i * U2 + U + k]
            }
        }
        for r in 0..<TB {
            for k in 0..<U {
                G[off.coBMean + k] += dCo.p[r * U2 + k]
                G[off.coBLogvar + k] += dCo.p[r * U2 + U + k]
            }
        }

        // ∂L/∂ci overwrites ci, which nothing reads after con.W_x's gradient above.
        let dCi = ci
        gemm(TB, 2 * E, Hc3, con.dA.p, Hc3, P + conP.wx, Hc3, transB: true, dCi.p, 2 * E)
        dEnc.zero(); dEncCi.zero()
        let ms = noise.dCi.scale
        for t in 0..<d.T {
            for b in 0..<B {
                let src = dCi.p + (t * B + b) * 2 * E, m = noise.dCi.p + (t * B + b) * 2 * E
                if t - L >= 0 {
                    let dst = dEnc.p + ((t - L) * B + b) * E
                    for j in 0..<E { dst[j] += src[j] * maskValue(m[j], ms) }
                }
                if t + L <= d.T - 1 {
                    let dst = dEncCi.p + ((t + L) * B + b) * E
                    for j in 0..<E { dst[j] += src[E + j] * maskValue(m[E + j], ms) }
                }
            }
        }
        encoderBackward(ciFwd!, ciFwdP!, dOut: dEnc.p, P, G)
        encoderBackward(ciBwd!, ciBwdP!, dOut: dEncCi.p, P, G)
    }

    /// ∂L/∂fac.W from Ĝ = ∂L/∂W̃ through the column normalisation.
    func factorNormBackward(_ G: UnsafeMutablePointer<T>) {
        let Hg = dims.Hg, F = dims.F, g = G + off.facW
        for j in 0..<F {
            var dot: T = 0
            for i in 0..<Hg { dot += facW.p[i * F + j] * dFacW.p[i * F + j] }
            if mutation == .noFactorProjection { dot = 0 }
            let inv = 1 / facNorm.p[j]
            for i in 0..<Hg { g[i * F + j] += (dFacW.p[i * F + j] - facW.p[i * F + j] * dot) * inv }
        }
    }

    /// g0 → z_ic → IC posterior (with KL_ic) → IC encoders. ∂L/∂g0 is in dg's state part.
    func icBackward(_ P: UnsafePointer<T>, _ G: UnsafeMutablePointer<T>, noise: NoiseBundle<T>,
                    weights: LossWeights, scale: Double, nB: Double) {
        let d = dims, B = d.B, D = d.D, Hg = d.Hg, Eic = d.Eic, ldg = d.genIn + Hg, dg0 = dg.p + d.genIn
        gemm(D, Hg, B, z.p, D, transA: true, dg0, ldg, G + off.g0W, Hg, beta: 1)
        addColumnSums(dg0, rows: B, cols: Hg, ld: ldg, into: G + off.g0B)
        gemm(B, D, Hg, dg0, ldg, P + off.g0W, Hg, transB: true, dZ.p, D)

        let vp = T(hp.icPriorVar), vMin = T(hp.icPostVarMin)
        let klw = T(scale * weights.kl * hp.klIcScale / nB)
        for b in 0..<B {
            for j in 0..<D {
                let i = b * D + j
                let v = icVar.p[i], dz = dZ.p[i]
                let dKlMean = klw * (icMean.p[i] - P[off.icPriorMean + j]) / vp
                dIcMean.p[i] = dz + dKlMean
                G[off.icPriorMean + j] -= dKlMean
                var dVar = klw * (1 / vp - 1 / v) / 2
                if mutation != .icVarianceConstant { dVar += dz * noise.epsIc.p[i] / (2 * T.sqrt(v)) }
                dIcLogvar.p[i] = dVar * (v - vMin)
            }
        }
        let E2 = 2 * Eic
        gemm(E2, D, B, eIc.p, E2, transA: true, dIcMean.p, D, G + off.icPostWMean, D, beta: 1)
        addColumnSums(dIcMean.p, rows: B, cols: D, ld: D, into: G + off.icPostBMean)
        gemm(E2, D, B, eIc.p, E2, transA: true, dIcLogvar.p, D, G + off.icPostWLogvar, D, beta: 1)
        addColumnSums(dIcLogvar.p, rows: B, cols: D, ld: D, into: G + off.icPostBLogvar)
        gemm(B, E2, D, dIcMean.p, D, P + off.icPostWMean, D, transB: true, dEIc.p, E2)
        gemm(B, E2, D, dIcLogvar.p, D, P + off.icPostWLogvar, D, transB: true, dEIc.p, E2, beta: 1)

        // e_ic holds each direction's final state, which is the first step its backward pass visits.
        for half in 0..<2 {
            let run = half == 0 ? icFwd : icBwd, ld = run.I + Eic
            let rows = dEncRows.p
            for b in 0..<B {
                let dst = rows + b * ld + run.I, src = dEIc.p + b * E2 + half * Eic, m = noise.dIc.p + b * E2 + half * Eic
                let ms = noise.dIc.scale
                for j in 0..<Eic { dst[j] = src[j] * maskValue(m[j], ms) }
            }
            encoderBackward(run, half == 0 ? icFwdP : icBwdP, dOut: nil, P, G, initialized: true)
        }
    }

    /// Backward through one encoder given ∂L/∂outputs [T,B,H] (or, with `initialized`, the
    /// gradient already in dEncRows for its first backward step); adds into its four tensors.
    func encoderBackward(_ run: GRURun<T>, _ p: GRUParams, dOut: UnsafePointer<T>?,
                         _ P: UnsafePointer<T>, _ G: UnsafeMutablePointer<T>, initialized: Bool = false) {
        let B = dims.B, H = p.units, I = run.I, ld = I + H, clip = T(hp.cellClip)
        let rows = dEncRows.p, carry = rows + I
        if !initialized { rows.update(repeating: 0, count: B * ld) }
        run.prepareBackward(wh: P + p.fusedRows(I))
        func step(_ t: Int) {
            if let dOut {
                let o = dOut + t * B * H
                for b in 0..<B {
                    let c = carry + b * ld, s = o + b * H
                    for j in 0..<H { c[j] += s[j] }
                }
            }
            run.stepBackward(t, dh: rows, clip: clip, mutation: mutation)
        }
        if run.reverse { for t in 0..<dims.T { step(t) } }
        else { for t in stride(from: dims.T - 1, through: 0, by: -1) { step(t) } }
        addColumnSums(carry, rows: B, cols: H, ld: ld, into: G + p.h0!)
        run.accumulateRecurrentGrads(dWh: G + p.fusedRows(I), db: G + p.b)
        // W_x's gradient over all steps from x̃, which runEncoder projected outside the run.
        let TB = dims.T * B, H3 = 3 * H
        gemm(dims.N, H3, TB, xIn.p, dims.N, transA: true, run.dA.p, H3, G + p.wx, H3, beta: 1)
        // Trainable read-ins (§18) need ∂L/∂x̃ as well: the sum over the encoders of dA·W_xᵀ.
        if let dx = encoderInputGrad {
            gemm(TB, dims.N, H3, run.dA.p, H3, P + p.wx, H3, transB: true, dx, dims.N, beta: 1)
        }
    }
}
