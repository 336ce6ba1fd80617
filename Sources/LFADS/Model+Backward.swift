extension LFADSModel {
    /// Adds scale·∇L into G, using the caches of the last `forward` with the same arguments.
    /// The reconstruction gradient carries the CD stop-gradient (§6); noise must be in sample mode.
    @_specialize(exported: true, where T == Float)
    public func backward(params P: UnsafePointer<T>, grads G: UnsafeMutablePointer<T>, x: UnsafePointer<T>,
                         noise: NoiseBundle<T>, weights: LossWeights, options: PassOptions = PassOptions(),
                         scale: Double = 1) {
        let d = dims, B = d.B, TB = d.T * B, N = d.N, F = d.F, Hg = d.Hg, U = d.U, Hc = d.Hc
        let nB = Double(options.normTrials ?? B)
        let clip = T(hp.cellClip)

        // ∂L_rec/∂λ = G ⊙ m_sv ⊙ (exp λ − x)/(B·T·N·k_sv).
        let c = T(scale / (nB * Double(d.T * N) * (1 - hp.svRate)))
        for i in 0..<(TB * N) {
            dLogRates.p[i] = c * noise.cdGrad.p[i] * noise.svMask.p[i] * (T.exp(logRates.p[i]) - x[i])
        }
        gemm(F, N, TB, phi.p, F, transA: true, dLogRates.p, N, G + off.readoutW, N, beta: 1)
        addColumnSums(dLogRates.p, rows: TB, cols: N, ld: N, into: G + off.readoutB)
        gemm(TB, F, N, dLogRates.p, N, P + off.readoutW, N, transB: true, dPhi.p, F)

        if d.hasController {
            klCo(P, noise: noise, gradScale: scale * weights.kl * hp.klCoScale / nB, grads: G)
        }
        dPhiInit.zero(); dg.zero(); ds.zero()

        for t in stride(from: d.T - 1, through: 0, by: -1) {
            gemm(B, Hg, F, dPhi.p + t * B * F, F, facW.p, F, transB: true, dTmp.p, Hg)
            let mask = noise.dG.p + t * B * Hg
            for i in 0..<(B * Hg) { dg.p[i] += dTmp.p[i] * mask[i] }
            gen.stepBackward(t, dh: dg.p, wh: P + genP.wh, clip: clip, mutation: mutation)
            guard let con, let conP else { continue }
            let daGen = gen.dA.p + t * B * 3 * Hg
            let dmu = dCoMean.p + t * B * U, dlv = dCoLogvar.p + t * B * U
            gemm(B, U, 3 * Hg, daGen, 3 * Hg, P + genP.wx, 3 * Hg, transB: true, dmu, U)
            let lv = coLogvar.p + t * B * U, eps = noise.epsCo.p + t * B * U
            let kdm = klCoDMean.p + t * B * U, kdl = klCoDLogvar.p + t * B * U
            for i in 0..<(B * U) {
                let du = dmu[i]
                dlv[i] = du * T.exp(lv[i] / 2) * eps[i] / 2 + kdl[i]
                dmu[i] = du + kdm[i]
            }
            gemm(B, Hc, U, dmu, U, P + off.coWMean, U, transB: true, ds.p, Hc, beta: 1)
            gemm(B, Hc, U, dlv, U, P + off.coWLogvar, U, transB: true, ds.p, Hc, beta: 1)
            con.stepBackward(t, dh: ds.p, wh: P + conP.wh, clip: clip, mutation: mutation)
            let daCon = con.dA.p + t * B * 3 * Hc
            gemm(B, F, 3 * Hc, daCon, 3 * Hc, P + conP.wx + 2 * d.Eci * 3 * Hc, 3 * Hc, transB: true, dTmp.p, F)
            let target = t == 0 ? dPhiInit.p : dPhi.p + (t - 1) * B * F
            let pm = noise.dPhi.p + t * B * F
            for i in 0..<(B * F) { target[i] += dTmp.p[i] * pm[i] }
        }

        // Generator weights; dg now holds ∂L/∂g0.
        gemm(U, 3 * Hg, TB, u.p, U, transA: true, gen.dA.p, 3 * Hg, G + genP.wx, 3 * Hg, beta: 1)
        gen.accumulateRecurrentGrads(dWh: G + genP.wh, db: G + genP.b)
        if let con, let conP { controllerWeightsBackward(P, G, noise: noise, con: con, conP: conP) }

        // Factor map, including φ_{−1}.
        dFacW.zero()
        gemm(Hg, F, TB, gDropped.p, Hg, transA: true, dPhi.p, F, dFacW.p, F)
        if d.hasController {
            gemm(Hg, F, B, g0Dropped.p, Hg, transA: true, dPhiInit.p, F, dFacW.p, F, beta: 1)
            gemm(B, Hg, F, dPhiInit.p, F, facW.p, F, transB: true, dTmp.p, Hg)
            for i in 0..<(B * Hg) { dg.p[i] += dTmp.p[i] * noise.dG0.p[i] }
        }
        factorNormBackward(G)
        icBackward(P, G, noise: noise, weights: weights, scale: scale, nB: nB)

        if options.includeParameterTerms {
            let w = scale * weights.l2 / l2Denominator
            for k in l2Kernels {
                let s = T(w * k.scale)
                for i in 0..<k.count { G[k.offset + i] += s * P[k.offset + i] }
            }
        }
    }

    /// Controller weights, controller-output posterior, and the controller's gradient on the CI encoders.
    func controllerWeightsBackward(_ P: UnsafePointer<T>, _ G: UnsafeMutablePointer<T>, noise: NoiseBundle<T>,
                                   con: GRURun<T>, conP: GRUParams) {
        let d = dims, B = d.B, TB = d.T * B, E = d.Eci, Hc = d.Hc, U = d.U, F = d.F, Hc3 = 3 * Hc, L = d.L
        addColumnSums(ds.p, rows: B, cols: Hc, ld: Hc, into: G + conP.h0!)
        gemm(2 * E, Hc3, TB, ci.p, 2 * E, transA: true, con.dA.p, Hc3, G + conP.wx, Hc3, beta: 1)
        gemm(F, Hc3, TB, phiPrev.p, F, transA: true, con.dA.p, Hc3, G + conP.wx + 2 * E * Hc3, Hc3, beta: 1)
        con.accumulateRecurrentGrads(dWh: G + conP.wh, db: G + conP.b)
        let states = con.output(0)
        gemm(Hc, U, TB, states, Hc, transA: true, dCoMean.p, U, G + off.coWMean, U, beta: 1)
        addColumnSums(dCoMean.p, rows: TB, cols: U, ld: U, into: G + off.coBMean)
        gemm(Hc, U, TB, states, Hc, transA: true, dCoLogvar.p, U, G + off.coWLogvar, U, beta: 1)
        addColumnSums(dCoLogvar.p, rows: TB, cols: U, ld: U, into: G + off.coBLogvar)

        gemm(TB, 2 * E, Hc3, con.dA.p, Hc3, P + conP.wx, Hc3, transB: true, dCi.p, 2 * E)
        dEnc.zero(); dEncCi.zero()
        for t in 0..<d.T {
            for b in 0..<B {
                let src = dCi.p + (t * B + b) * 2 * E, m = noise.dCi.p + (t * B + b) * 2 * E
                if t - L >= 0 {
                    let dst = dEnc.p + ((t - L) * B + b) * E
                    for j in 0..<E { dst[j] += src[j] * m[j] }
                }
                if t + L <= d.T - 1 {
                    let dst = dEncCi.p + ((t + L) * B + b) * E
                    for j in 0..<E { dst[j] += src[E + j] * m[E + j] }
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

    /// g0 → z_ic → IC posterior (with KL_ic) → IC encoders.
    func icBackward(_ P: UnsafePointer<T>, _ G: UnsafeMutablePointer<T>, noise: NoiseBundle<T>,
                    weights: LossWeights, scale: Double, nB: Double) {
        let d = dims, B = d.B, D = d.D, Hg = d.Hg, Eic = d.Eic
        gemm(D, Hg, B, z.p, D, transA: true, dg.p, Hg, G + off.g0W, Hg, beta: 1)
        addColumnSums(dg.p, rows: B, cols: Hg, ld: Hg, into: G + off.g0B)
        gemm(B, D, Hg, dg.p, Hg, P + off.g0W, Hg, transB: true, dZ.p, D)

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

        let TB = d.T * B
        for half in 0..<2 {
            dEnc.p.update(repeating: 0, count: TB * Eic)
            let t = half == 0 ? d.T - 1 : 0
            for b in 0..<B {
                let dst = dEnc.p + (t * B + b) * Eic, src = dEIc.p + b * E2 + half * Eic, m = noise.dIc.p + b * E2 + half * Eic
                for j in 0..<Eic { dst[j] = src[j] * m[j] }
            }
            if half == 0 { encoderBackward(icFwd, icFwdP, dOut: dEnc.p, P, G) }
            else { encoderBackward(icBwd, icBwdP, dOut: dEnc.p, P, G) }
        }
    }

    /// Backward through one encoder given ∂L/∂outputs [T,B,H]; adds into its four tensors.
    func encoderBackward(_ run: GRURun<T>, _ p: GRUParams, dOut: UnsafePointer<T>,
                         _ P: UnsafePointer<T>, _ G: UnsafeMutablePointer<T>) {
        let B = dims.B, H = p.units, TB = dims.T * B, clip = T(hp.cellClip)
        let carry = dTmp.p
        carry.update(repeating: 0, count: B * H)
        let order: [Int] = run.reverse ? Array(0..<dims.T) : Array((0..<dims.T).reversed())
        for t in order {
            let o = dOut + t * B * H
            for i in 0..<(B * H) { carry[i] += o[i] }
            run.stepBackward(t, dh: carry, wh: P + p.wh, clip: clip, mutation: mutation)
        }
        addColumnSums(carry, rows: B, cols: H, ld: H, into: G + p.h0!)
        gemm(p.inputs, 3 * H, TB, xIn.p, p.inputs, transA: true, run.dA.p, 3 * H, G + p.wx, 3 * H, beta: 1)
        run.accumulateRecurrentGrads(dWh: G + p.wh, db: G + p.b)
    }
}
