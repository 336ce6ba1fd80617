extension LFADSModel {
    /// Runs the model and the loss on x [T,B,N] (time-major counts) with the given noise.
    /// `ext` [T,B,E] holds the external inputs (§16), required when E > 0 and unread otherwise.
    /// Leaves every cache backward needs; returns the loss terms.
    @_specialize(exported: true, where T == Float)
    public func forward(params P: UnsafePointer<T>, x: UnsafePointer<T>, ext: UnsafePointer<T>? = nil,
                        noise: NoiseBundle<T>, weights: LossWeights, options: PassOptions = PassOptions()) -> LossTerms {
        encoderInputs(x, noise: noise)
        forwardFactors(P, ext: ext, noise: noise, sample: options.latents == .sample)

        // Log-rates and loss.
        let NP = dims.N * dims.P
        broadcastRows(P + off.readoutB, rows: dims.T * dims.B, cols: NP, into: logRates.p, ld: NP)
        gemm(dims.T * dims.B, NP, dims.F, phi.p, dims.F, P + off.readoutW, NP, logRates.p, NP, beta: 1)
        if !options.computesLoss && hp.observation == .poisson { return LossTerms() }
        return lossTerms(P, x: x, noise: noise, weights: weights, options: options)
    }

    /// Everything from the encoder input x̃ (already in xIn) to the factors φ: the part of the
    /// forward pass that multi-session stitching shares across sessions (docs/model.md §18).
    func forwardFactors(_ P: UnsafePointer<T>, ext: UnsafePointer<T>?, noise: NoiseBundle<T>, sample: Bool) {
        let d = dims
        let F = d.F, Hg = d.Hg
        let clip = T(hp.cellClip)
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
            let f = icFwd.output(d.T - 1) + b * icFwd.stateLd, r = icBwd.output(0) + b * icBwd.stateLd
            for j in 0..<Eic { e[j] = f[j] * m[j]; e[Eic + j] = r[j] * m[Eic + j] }
        }
        broadcastRows(P + off.icPostBMean, rows: B, cols: D, into: icMean.p, ld: D)
        gemm(B, D, 2 * Eic, eIc.p, 2 * Eic, P + off.icPostWMean, D, icMean.p, D, beta: 1)
        broadcastRows(P + off.icPostBLogvar, rows: B, cols: D, into: icLogvar.p, ld: D)
        gemm(B, D, 2 * Eic, eIc.p, 2 * Eic, P + off.icPostWLogvar, D, icLogvar.p, D, beta: 1)
        let vMin = T(hp.icPostVarMin)
        for i in 0..<(B * D) {
            icVar.p[i] = T.exp(icLogvar.p[i]) + vMin
            z.p[i] = sample ? icMean.p[i] + T.sqrt(icVar.p[i]) * noise.epsIc.p[i] : icMean.p[i]
        }

        // g0, W̃ and φ_{−1}.
        let g0 = gen.initial
        broadcastRows(P + off.g0B, rows: B, cols: Hg, into: g0, ld: Hg)
        gemm(B, Hg, D, z.p, D, P + off.g0W, Hg, g0, Hg, beta: 1)
        normaliseFactorColumns(P)
        for i in 0..<(B * Hg) { g0Dropped.p[i] = g0[i] * noise.dG0.p[i] }
        gemm(B, F, Hg, g0Dropped.p, Hg, facW.p, F, phiInit.p, F)

        if let con, let conP { prepareControllerInputs(P, noise: noise, conP: conP, con: con) }
        if d.Ext > 0 {
            precondition(ext != nil, "a model with ext_input_dim \(d.Ext) needs its external inputs")
            externalInputs(ext!, noise: noise)
        }

        // Time loop: controller, controller output, generator, factors.
        for t in 0..<d.T {
            if let con, let conP {
                let (xz, xr, ld) = con.input(t)
                let src = t == 0 ? phiInit.p : phi.p + (t - 1) * B * F, mask = noise.dPhi.p + t * B * F
                for b in 0..<B {
                    let s = src + b * F, m = mask + b * F, o1 = xz + b * ld, o2 = xr + b * ld
                    for j in 0..<F { let v = s[j] * m[j]; o1[j] = v; o2[j] = v }
                }
                con.stepForward(t, a: nil, wh: P + conP.fusedRows(F), clip: clip)
                controllerOutput(t, P, noise: noise, sample: sample)
            }
            gen.stepForward(t, a: P + genP.b, aStride: 0, wh: P + genP.fusedRows(d.genIn), clip: clip)
            let g = gen.output(t), gd = gDropped.p + t * B * Hg, mask = noise.dG.p + t * B * Hg
            for i in 0..<(B * Hg) { gd[i] = g[i] * mask[i] }
            gemm(B, F, Hg, gd, Hg, facW.p, F, phi.p + t * B * F, F)
        }
    }

    /// x̃ = x ⊙ s_sv ⊙ s_cd ⊙ d_in, kept in xIn, from which each encoder projects it (runEncoder).
    /// s_sv = m_sv/(1 − sv_rate) only in passes that apply the SV mask; elsewhere it is 1.
    /// Held-out neurons and forward bins are zero whatever the noise bundle holds, so no pass (training,
    /// validation or posterior sampling) can show them to the encoder.
    func encoderInputs(_ x: UnsafePointer<T>, noise: NoiseBundle<T>) {
        let d = dims, N = d.N, B = d.B
        let svScale = T(1 / noise.svKeep(hp))
        let sv = noise.svMask.p, cd = noise.cdKeep.p, din = noise.dIn.p, xi = xIn.p
        if let src = noise.shiftedSource?.p {
            // Temporal shift (§17): the source already holds x ⊙ s_sv, shifted; NaN (SBTT) enters as 0.
            for i in 0..<(d.T * B * N) { xi[i] = src[i].isNaN ? 0 : src[i] * cd[i] * din[i] }
        } else if hp.usesSBTT {
            // A missing (NaN) element enters as 0, with no rescale (§15).
            for i in 0..<(d.T * B * N) { xi[i] = x[i].isNaN ? 0 : x[i] * sv[i] * svScale * cd[i] * din[i] }
        } else {
            for i in 0..<(d.T * B * N) { xi[i] = x[i] * sv[i] * svScale * cd[i] * din[i] }
        }
        d.forEachHidden { xi[$0] = 0 }
    }

    /// μ_co, ℓ_co and u_t from the controller state s_t (one GEMM for both maps); u_t goes where
    /// the generator's fused GEMM reads it.
    func controllerOutput(_ t: Int, _ P: UnsafePointer<T>, noise: NoiseBundle<T>, sample: Bool) {
        let B = dims.B, U = dims.U, Hc = dims.Hc, U2 = 2 * U
        gemm(B, U2, Hc, con!.output(t), con!.stateLd, coW.p, U2, coOut.p, U2)
        let mu = coMean.p + t * B * U, lv = coLogvar.p + t * B * U, ut = u.p + t * B * U
        let eps = noise.epsCo.p + t * B * U, bm = P + off.coBMean, bl = P + off.coBLogvar
        let (xz, xr, ld) = gen.input(t)
        for b in 0..<B {
            let o = coOut.p + b * U2
            for k in 0..<U {
                let i = b * U + k
                let m = o[k] + bm[k], l = o[U + k] + bl[k]
                mu[i] = m; lv[i] = l
                let v = sample ? m + T.exp(l / 2) * eps[i] : m
                ut[i] = v
                xz[b * ld + k] = v; xr[b * ld + k] = v
            }
        }
    }

    /// An encoder's input projection b + x̃_t·W_x for all steps is one [T·B, N] × [N, 3H] GEMM into its
    /// gates, before the time loop; each step then multiplies only by W_h. Its runs keep no copy of
    /// x̃ (docs/performance.md, "Memory").
    func runEncoder(_ run: GRURun<T>, _ p: GRUParams, _ P: UnsafePointer<T>, _ clip: T) {
        let d = dims, H3 = 3 * p.units, TB = d.T * d.B
        broadcastRows(P + p.h0!, rows: d.B, cols: p.units, into: run.initial, ld: run.stateLd)
        broadcastRows(P + p.b, rows: TB, cols: H3, into: run.gates.p, ld: H3)
        gemm(TB, H3, d.N, xIn.p, d.N, P + p.wx, H3, run.gates.p, H3, beta: 1)
        let w = P + p.fusedRows(0)
        if run.reverse {
            for t in stride(from: d.T - 1, through: 0, by: -1) { run.stepForward(t, a: nil, wh: w, clip: clip) }
        } else {
            for t in 0..<d.T { run.stepForward(t, a: nil, wh: w, clip: clip) }
        }
    }

    /// W̃ = fac.W with unit-norm columns; also packs co_post's two maps side by side.
    func normaliseFactorColumns(_ P: UnsafePointer<T>) {
        let Hg = dims.Hg, F = dims.F, w = P + off.facW
        for j in 0..<F {
            var s: T = 0
            for i in 0..<Hg { s += w[i * F + j] * w[i * F + j] }
            facNorm.p[j] = T.sqrt(s)
        }
        for i in 0..<Hg { for j in 0..<F { facW.p[i * F + j] = w[i * F + j] / facNorm.p[j] } }
        let U = dims.U
        for i in 0..<dims.Hc {
            for k in 0..<U {
                coW.p[i * 2 * U + k] = P[off.coWMean + i * U + k]
                coW.p[i * 2 * U + U + k] = P[off.coWLogvar + i * U + k]
            }
        }
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
                    let f = ciFwd.output(t - L) + b * ciFwd.stateLd
                    for j in 0..<E { o[j] = f[j] * m[j] }
                } else { for j in 0..<E { o[j] = 0 } }
                if t + L <= d.T - 1 {
                    let r = ciBwd.output(t + L) + b * ciBwd.stateLd
                    for j in 0..<E { o[E + j] = r[j] * m[E + j] }
                } else { for j in 0..<E { o[E + j] = 0 } }
            }
        }
        let TB = d.T * B
        broadcastRows(P + conP.b, rows: TB, cols: Hc3, into: con.gates.p, ld: Hc3)
        gemm(TB, Hc3, 2 * E, ci.p, 2 * E, P + conP.wx, Hc3, con.gates.p, Hc3, beta: 1)
        broadcastRows(P + conP.h0!, rows: B, cols: d.Hc, into: con.initial, ld: con.stateLd)
    }
}
