extension LFADSModel {
    /// Runs the model and the loss on x [T,B,N] (time-major counts) with the given noise.
    /// Leaves every cache backward needs; returns the loss terms.
    @_specialize(exported: true, where T == Float)
    public func forward(params P: UnsafePointer<T>, x: UnsafePointer<T>, noise: NoiseBundle<T>,
                        weights: LossWeights, options: PassOptions = PassOptions()) -> LossTerms {
        let d = dims
        let TB = d.T * d.B, N = d.N, F = d.F, Hg = d.Hg, U = d.U
        let clip = T(hp.cellClip)
        let kSv = 1 - hp.svRate
        let svScale = T(1 / kSv)

        // Encoder input x̃ = x ⊙ s_sv ⊙ s_cd ⊙ d_in.
        for i in 0..<(TB * N) {
            xIn.p[i] = x[i] * noise.svMask.p[i] * svScale * noise.cdKeep.p[i] * noise.dIn.p[i]
        }
        runEncoder(icFwd, icFwdP, P, clip)
        runEncoder(icBwd, icBwdP, P, clip)
        if let ciFwd, let ciBwd, let ciFwdP, let ciBwdP {
            runEncoder(ciFwd, ciFwdP, P, clip)
            runEncoder(ciBwd, ciBwdP, P, clip)
        }

        // IC encoding, posterior and sample.
        let Eic = d.Eic, D = d.D, B = d.B
        for b in 0..<B {
            let e = eIc.p + b * 2 * Eic, m = noise.dIc.p + b * 2 * Eic
            let f = icFwd.output(d.T - 1) + b * Eic, r = icBwd.output(0) + b * Eic
            for j in 0..<Eic { e[j] = f[j] * m[j]; e[Eic + j] = r[j] * m[Eic + j] }
        }
        broadcastRows(P + off.icPostBMean, rows: B, cols: D, into: icMean.p, ld: D)
        gemm(B, D, 2 * Eic, eIc.p, 2 * Eic, P + off.icPostWMean, D, icMean.p, D, beta: 1)
        broadcastRows(P + off.icPostBLogvar, rows: B, cols: D, into: icLogvar.p, ld: D)
        gemm(B, D, 2 * Eic, eIc.p, 2 * Eic, P + off.icPostWLogvar, D, icLogvar.p, D, beta: 1)
        let vMin = T(hp.icPostVarMin)
        for i in 0..<(B * D) {
            icVar.p[i] = T.exp(icLogvar.p[i]) + vMin
            z.p[i] = options.latents == .sample ? icMean.p[i] + T.sqrt(icVar.p[i]) * noise.epsIc.p[i] : icMean.p[i]
        }

        // g0, W̃ and φ_{−1}.
        let g0 = gen.initial
        broadcastRows(P + off.g0B, rows: B, cols: Hg, into: g0, ld: Hg)
        gemm(B, Hg, D, z.p, D, P + off.g0W, Hg, g0, Hg, beta: 1)
        normaliseFactorColumns(P)
        for i in 0..<(B * Hg) { g0Dropped.p[i] = g0[i] * noise.dG0.p[i] }
        gemm(B, F, Hg, g0Dropped.p, Hg, facW.p, F, phiInit.p, F)

        if let con, let conP { prepareControllerInputs(P, noise: noise, conP: conP, con: con) }

        // Time loop: controller, controller output, generator, factors.
        let Hc = d.Hc
        for t in 0..<d.T {
            if let con, let conP {
                let a = conA.p + t * B * 3 * Hc
                let pp = phiPrev.p + t * B * F, mask = noise.dPhi.p + t * B * F
                let src = t == 0 ? phiInit.p : phi.p + (t - 1) * B * F
                for i in 0..<(B * F) { pp[i] = src[i] * mask[i] }
                gemm(B, 3 * Hc, F, pp, F, P + conP.wx + 2 * d.Eci * 3 * Hc, 3 * Hc, a, 3 * Hc, beta: 1)
                con.stepForward(t, a: a, wh: P + conP.wh, clip: clip)
                let s = con.output(t)
                let mu = coMean.p + t * B * U, lv = coLogvar.p + t * B * U, ut = u.p + t * B * U
                broadcastRows(P + off.coBMean, rows: B, cols: U, into: mu, ld: U)
                gemm(B, U, Hc, s, Hc, P + off.coWMean, U, mu, U, beta: 1)
                broadcastRows(P + off.coBLogvar, rows: B, cols: U, into: lv, ld: U)
                gemm(B, U, Hc, s, Hc, P + off.coWLogvar, U, lv, U, beta: 1)
                let eps = noise.epsCo.p + t * B * U
                for i in 0..<(B * U) {
                    ut[i] = options.latents == .sample ? mu[i] + T.exp(lv[i] / 2) * eps[i] : mu[i]
                }
            }
            broadcastRows(P + genP.b, rows: B, cols: 3 * Hg, into: genA.p, ld: 3 * Hg)
            gemm(B, 3 * Hg, U, u.p + t * B * U, U, P + genP.wx, 3 * Hg, genA.p, 3 * Hg, beta: 1)
            gen.stepForward(t, a: genA.p, wh: P + genP.wh, clip: clip)
            let g = gen.output(t), gd = gDropped.p + t * B * Hg, mask = noise.dG.p + t * B * Hg
            for i in 0..<(B * Hg) { gd[i] = g[i] * mask[i] }
            gemm(B, F, Hg, gd, Hg, facW.p, F, phi.p + t * B * F, F)
        }

        // Log-rates and loss.
        broadcastRows(P + off.readoutB, rows: TB, cols: N, into: logRates.p, ld: N)
        gemm(TB, N, F, phi.p, F, P + off.readoutW, N, logRates.p, N, beta: 1)
        return lossTerms(P, x: x, noise: noise, weights: weights, options: options)
    }

    func runEncoder(_ run: GRURun<T>, _ p: GRUParams, _ P: UnsafePointer<T>, _ clip: T) {
        let H3 = 3 * p.units, TB = dims.T * dims.B
        broadcastRows(P + p.b, rows: TB, cols: H3, into: encA.p, ld: H3)
        gemm(TB, H3, p.inputs, xIn.p, p.inputs, P + p.wx, H3, encA.p, H3, beta: 1)
        broadcastRows(P + p.h0!, rows: dims.B, cols: p.units, into: run.initial, ld: p.units)
        if run.reverse {
            for t in stride(from: dims.T - 1, through: 0, by: -1) {
                run.stepForward(t, a: encA.p + t * dims.B * H3, wh: P + p.wh, clip: clip)
            }
        } else {
            for t in 0..<dims.T { run.stepForward(t, a: encA.p + t * dims.B * H3, wh: P + p.wh, clip: clip) }
        }
    }

    /// W̃ = fac.W with unit-norm columns.
    func normaliseFactorColumns(_ P: UnsafePointer<T>) {
        let Hg = dims.Hg, F = dims.F, w = P + off.facW
        for j in 0..<F {
            var s: T = 0
            for i in 0..<Hg { s += w[i * F + j] * w[i * F + j] }
            facNorm.p[j] = T.sqrt(s)
        }
        for i in 0..<Hg { for j in 0..<F { facW.p[i * F + j] = w[i * F + j] / facNorm.p[j] } }
    }

    /// ci_t = [f_{t−L} | r_{t+L}] ⊙ d_ci,t, and the controller's input projection of it for all t.
    func prepareControllerInputs(_ P: UnsafePointer<T>, noise: NoiseBundle<T>, conP: GRUParams, con: GRURun<T>) {
        let d = dims, E = d.Eci, B = d.B, L = d.L, Hc3 = 3 * d.Hc
        guard let ciFwd, let ciBwd else { return }
        for t in 0..<d.T {
            let row = ci.p + t * B * 2 * E, mask = noise.dCi.p + t * B * 2 * E
            for b in 0..<B {
                let o = row + b * 2 * E, m = mask + b * 2 * E
                if t - L >= 0 {
                    let f = ciFwd.output(t - L) + b * E
                    for j in 0..<E { o[j] = f[j] * m[j] }
                } else { for j in 0..<E { o[j] = 0 } }
                if t + L <= d.T - 1 {
                    let r = ciBwd.output(t + L) + b * E
                    for j in 0..<E { o[E + j] = r[j] * m[E + j] }
                } else { for j in 0..<E { o[E + j] = 0 } }
            }
        }
        let TB = d.T * B
        broadcastRows(P + conP.b, rows: TB, cols: Hc3, into: conA.p, ld: Hc3)
        gemm(TB, Hc3, 2 * E, ci.p, 2 * E, P + conP.wx, Hc3, conA.p, Hc3, beta: 1)
        broadcastRows(P + conP.h0!, rows: B, cols: d.Hc, into: con.initial, ld: d.Hc)
    }
}
