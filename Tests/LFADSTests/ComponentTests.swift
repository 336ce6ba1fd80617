import Foundation
import Testing
@testable import LFADS

/// The component checks of docs/model.md §12, in Float64.
@Suite("Component checks (docs/model.md §12)")
struct ComponentTests {

    // MARK: Poisson NLL and ramps (§5)

    @Test("Stirling log x! matches §5 at 0, 1, 2, 3, 10",
          arguments: zip([0.0, 1.0, 2.0, 3.0, 10.0], [0.0, 0.0, 0.6518064846, 1.7640815435, 15.0960820092]))
    func stirling(x: Double, expected: Double) {
        #expect(abs(stirlingLogFactorial(x) - expected) <= 1e-9)
    }

    @Test("Poisson NLL is exp(λ) − xλ + S(x), not lgamma")
    func poissonNLLUsesStirling() {
        let lam = 0.37
        #expect(abs(poissonNLL(count: 2, logRate: lam) - (exp(lam) - 2 * lam + 0.6518064846)) <= 1e-9)
        // ln 2! = 0.693147 would be off by 0.04.
        #expect(abs(poissonNLL(count: 2, logRate: lam) - (exp(lam) - 2 * lam + lgamma(3))) > 1e-2)
    }

    @Test("Ramp weights with defaults: 1/81, 2/81, 80/81, 1 at epochs 0, 1, 79, 80")
    func ramps() {
        let hp = Hyperparameters()
        for (e, w) in [(0, 1.0 / 81), (1, 2.0 / 81), (79, 80.0 / 81), (80, 1.0), (500, 1.0)] {
            let lw = hp.lossWeights(epoch: e)
            #expect(abs(lw.kl - w) <= 1e-15, "w_kl(\(e)) = \(lw.kl), want \(w)")
            #expect(abs(lw.l2 - w) <= 1e-15, "w_l2(\(e)) = \(lw.l2), want \(w)")
        }
        var late = hp
        late.klStartEpoch = 10; late.l2IncreaseEpoch = 4
        #expect(late.lossWeights(epoch: 8).kl == 0)
        #expect(abs(late.lossWeights(epoch: 10).kl - 1.0 / 81) <= 1e-15)
        #expect(abs(late.lossWeights(epoch: 2).l2 - 3.0 / 5) <= 1e-15)
    }

    // MARK: KL_co against a brute-force multivariate normal (§4)

    @Test("KL_co for fixed z′ equals log q − log N(z′; 0, Σ), Σ_ts = P·α^|t−s| (1e−9)")
    func klCoMatchesBruteForceGaussian() {
        var hp = GradientCheck.tinyHyperparameters()
        hp.seqLen = 7
        let B = 3
        let model = LFADSModel<Double>(hp: hp, batch: B)
        let d = model.dims, U = d.U, T = d.T
        var rng = TestRNG(11)
        var P = Initialization.parameters(hp, seed: 3, as: Double.self)
        let logTau = [log(4.0), log(13.0)], logNvar = [log(0.3), log(0.05)]
        for k in 0..<U {
            P[model.layout["co_prior.log_tau"].offset + k] = logTau[k]
            P[model.layout["co_prior.log_nvar"].offset + k] = logNvar[k]
        }
        let noise = NoiseBundle<Double>(d)
        let n = T * B * U
        model.coMean.copy(from: rng.normals(n, 0.8))
        model.coLogvar.copy(from: (0..<n).map { _ in rng.uniform(-1.5, 0.5) })
        noise.epsKl.copy(from: rng.normals(n))

        let kl = P.withUnsafeBufferPointer { model.klCo($0.baseAddress!, noise: noise, gradScale: nil) }

        var brute = 0.0
        for k in 0..<U {
            let alpha = exp(-exp(-logTau[k])), nu = exp(logNvar[k])
            let Pk = nu / (1 - alpha * alpha)
            var sigma = [Double](repeating: 0, count: T * T)
            for t in 0..<T { for s in 0..<T { sigma[t * T + s] = Pk * pow(alpha, Double(abs(t - s))) } }
            let prior = AR1Prior(logTau: logTau[k], logNvar: logNvar[k])
            #expect(abs(prior.alpha - alpha) <= 1e-15 && abs(prior.stationaryVariance - Pk) <= 1e-15 * Pk)
            for b in 0..<B {
                var z = [Double](repeating: 0, count: T)
                var logQ = 0.0
                for t in 0..<T {
                    let i = (t * B + b) * U + k
                    let mu = model.coMean[i], lv = model.coLogvar[i]
                    z[t] = mu + exp(lv / 2) * noise.epsKl[i]
                    logQ += -0.5 * (log(2 * Double.pi) + lv + (z[t] - mu) * (z[t] - mu) / exp(lv))
                }
                let logP = gaussianLogDensity(z, covariance: sigma)
                #expect(abs(prior.negativeLogDensity(z) + logP) <= 1e-9, "AR1Prior −log p, channel \(k) trial \(b)")
                brute += logQ - logP
            }
        }
        #expect(abs(kl - brute) <= 1e-9, "klCo \(kl) vs brute force \(brute)")
    }

    // MARK: ClippedGRU (§2)

    @Test("One ClippedGRU step equals §2 written out (reset before W_h,c, clip)", arguments: [false, true])
    func gruStepByHand(reverse: Bool) {
        let B = 2, H = 3, H3 = 9
        var rng = TestRNG(reverse ? 21 : 20)
        let h = rng.normals(B * H, 0.8), a = rng.normals(B * H3, 1.2), wh = rng.normals(H * H3, 0.9)
        let clip = 0.35
        let run = GRURun<Double>(T: 1, B: B, H: H, reverse: reverse)
        run.initial.update(from: h, count: B * H)
        a.withUnsafeBufferPointer { ap in
            wh.withUnsafeBufferPointer { run.stepForward(0, a: ap.baseAddress!, wh: $0.baseAddress!, clip: clip) }
        }
        // Reverse runs write slot t, forward runs slot t+1; the initial state must be left intact.
        #expect(Array(UnsafeBufferPointer(start: run.initial, count: B * H)) == h)

        var clipped = 0, free = 0, maxResetOrderGap = 0.0
        for b in 0..<B {
            for j in 0..<H {
                func rec(_ x: [Double], block: Int) -> Double {
                    (0..<H).reduce(0) { $0 + x[$1] * wh[$1 * H3 + block * H + j] }
                }
                let hb = Array(h[(b * H)..<(b * H + H)])
                let ab = Array(a[(b * H3)..<(b * H3 + H3)])
                let rAll = (0..<H).map { i in 1 / (1 + exp(-(ab[i] + (0..<H).reduce(0) { $0 + hb[$1] * wh[$1 * H3 + i] }))) }
                let r = rAll[j]
                let u = 1 / (1 + exp(-(ab[H + j] + rec(hb, block: 1))))
                let rh = (0..<H).map { rAll[$0] * hb[$0] }
                let c = tanh(ab[2 * H + j] + rec(rh, block: 2))
                let v = u * hb[j] + (1 - u) * c
                let out = min(max(v, -clip), clip)
                if abs(v) > clip { clipped += 1 } else { free += 1 }
                let i = b * H + j
                #expect(abs(run.output(0)[i] - out) <= 1e-14, "h' at b=\(b) j=\(j)")
                #expect(abs(run.v[i] - v) <= 1e-14)
                #expect(abs(run.gates[b * H3 + j] - r) <= 1e-14)
                #expect(abs(run.gates[b * H3 + H + j] - u) <= 1e-14)
                #expect(abs(run.gates[b * H3 + 2 * H + j] - c) <= 1e-14)
                // The cuDNN variant r ⊙ (h·W_h,c) would give a visibly different candidate.
                let cCudnn = tanh(ab[2 * H + j] + r * rec(hb, block: 2))
                maxResetOrderGap = max(maxResetOrderGap, abs(cCudnn - c))
            }
        }
        #expect(clipped > 0 && free > 0, "clip should bite for some units only: \(clipped) clipped, \(free) free")
        #expect(maxResetOrderGap > 1e-3, "test data must distinguish the reset placement")
    }

    @Test("Initial GRU biases are (1…1 | 1…1 | 0…0), h0 = 0, other biases and μ_p 0", arguments: [4, 0])
    func initialBiases(coDim: Int) {
        var hp = GradientCheck.tinyHyperparameters()
        hp.coDim = coDim
        hp.icEncDim = 5; hp.ciEncDim = 2; hp.conDim = 6; hp.genDim = 7
        let layout = ParameterLayout(hp)
        let p = Initialization.parameters(hp, seed: 42, as: Double.self)
        let grus = coDim > 0 ? ["ic_enc_fwd", "ic_enc_bwd", "ci_enc_fwd", "ci_enc_bwd", "con", "gen"]
                             : ["ic_enc_fwd", "ic_enc_bwd", "gen"]
        var checked = 0
        for g in grus {
            let b = layout["\(g).b"], H = b.count / 3
            let values = Array(p[b.offset..<(b.offset + b.count)])
            let want = [Double](repeating: 1, count: 2 * H) + [Double](repeating: 0, count: H)
            #expect(values == want, "\(g).b = \(values)")
            if g == "gen" {
                #expect(!layout.contains("gen.h0"))
            } else {
                let h0 = layout["\(g).h0"]
                #expect(p[h0.offset..<(h0.offset + h0.count)].allSatisfy { $0 == 0 }, "\(g).h0")
            }
            let wx = layout["\(g).W_x"]
            if wx.count > 0 { #expect(p[wx.offset..<(wx.offset + wx.count)].contains { $0 != 0 }, "\(g).W_x drawn") }
            checked += 1
        }
        #expect(checked == (coDim > 0 ? 6 : 3))
        var zeroes = ["ic_post.b_mean", "ic_post.b_logvar", "ic_prior.mean", "ic_to_g0.b", "readout.b"]
        if coDim > 0 { zeroes += ["co_post.b_mean", "co_post.b_logvar"] }
        for name in zeroes {
            let e = layout[name]
            #expect(p[e.offset..<(e.offset + e.count)].allSatisfy { $0 == 0 }, "\(name)")
        }
        if coDim > 0 {
            let lt = layout["co_prior.log_tau"], ln = layout["co_prior.log_nvar"]
            #expect(p[lt.offset..<(lt.offset + lt.count)].allSatisfy { abs($0 - log(hp.coPriorTau)) <= 1e-15 })
            #expect(p[ln.offset..<(ln.offset + ln.count)].allSatisfy { abs($0 - log(hp.coPriorNvar)) <= 1e-15 })
        }
    }

    // MARK: Factor map, L2 (§4, §5)

    @Test("W̃ after a forward pass has unit-norm columns parallel to fac.W")
    func factorColumnsUnitNorm() {
        let (model, p, x, noise) = GradientCheck.problem(GradientCheck.tinyHyperparameters())
        _ = runForward(model, p, x, noise)
        let Hg = model.dims.Hg, F = model.dims.F, w = model.layout["fac.W"].offset
        for j in 0..<F {
            let raw = (0..<Hg).reduce(0.0) { $0 + p[w + $1 * F + j] * p[w + $1 * F + j] }.squareRoot()
            let norm = (0..<Hg).reduce(0.0) { $0 + model.facW[$1 * F + j] * model.facW[$1 * F + j] }.squareRoot()
            #expect(abs(raw - 1) > 1e-3, "stored fac.W column \(j) is already unit-norm; the check would be vacuous")
            #expect(abs(norm - 1) <= 1e-12, "‖W̃[:,\(j)]‖ = \(norm)")
            for i in 0..<Hg { #expect(abs(model.facW[i * F + j] * raw - p[w + i * F + j]) <= 1e-12) }
        }
    }

    @Test("L2 denominator of the tiny model is 3·(4²+3²+2·3²+2·3²) = 183; value per §5")
    func l2Denominator() {
        let hp = GradientCheck.tinyHyperparameters()
        let (model, p, _, _) = GradientCheck.problem(hp)
        #expect(abs(model.l2Denominator - 183) <= 1e-6)
        var expected = 0.0
        for (name, s) in [("gen.W_h", hp.l2GenScale), ("con.W_h", hp.l2ConScale),
                          ("ic_enc_fwd.W_h", hp.l2IcEncScale), ("ic_enc_bwd.W_h", hp.l2IcEncScale),
                          ("ci_enc_fwd.W_h", hp.l2CiEncScale), ("ci_enc_bwd.W_h", hp.l2CiEncScale)] {
            let e = model.layout[name]
            expected += 0.5 * s * p[e.offset..<(e.offset + e.count)].reduce(0) { $0 + $1 * $1 }
        }
        expected /= 183 + 1e-8   // §5: Σ numel + 1e−8
        let got = p.withUnsafeBufferPointer { model.l2Value($0.baseAddress!) }
        #expect(abs(got - expected) <= 1e-12 * abs(expected))

        // A zero scale removes its kernels from K: 183 − 2·3·9 = 129.
        var noEnc = hp
        noEnc.l2IcEncScale = 0
        #expect(abs(LFADSModel<Double>(hp: noEnc, batch: 2).l2Denominator - 129) <= 1e-6)
    }

    // MARK: λ-gradient, SV (§6, §7)

    @Test("∂L_rec/∂λ = G ⊙ m_sv ⊙ (exp λ − x)/(B·T·N·k_sv), exactly 0 where G = 0 or m_sv = 0")
    func logRateGradient() {
        let hp = GradientCheck.tinyHyperparameters()
        let (model, p, x, noise) = GradientCheck.problem(hp)
        _ = runForward(model, p, x, noise)
        var g = [Double](repeating: 0, count: p.count)
        runBackward(model, p, &g, x, noise)
        let d = model.dims
        let denom = Double(d.B * d.T * d.N) * (1 - hp.svRate)
        var seenOnly = 0, heldOutOnly = 0, live = 0
        for i in 0..<(d.T * d.B * d.N) {
            let G = noise.cdGrad[i], m = noise.svMask[i]
            let expected = G * m * (exp(model.logRates[i]) - x[i]) / denom
            if G == 0 || m == 0 {
                #expect(model.dLogRates[i] == 0, "element \(i): G=\(G) m=\(m)")
                if G == 0 && m == 1 { seenOnly += 1 }
                if G == 1 && m == 0 { heldOutOnly += 1 }
            } else {
                live += 1
                #expect(abs(model.dLogRates[i] - expected) <= 1e-15 + 1e-12 * abs(expected), "element \(i)")
            }
        }
        #expect(seenOnly > 0 && heldOutOnly > 0 && live > 0, "seen-only \(seenOnly), held-out \(heldOutOnly), live \(live)")
    }

    @Test("SV: NLL_sv = Σ held-out ℓ/(B·T·N·sv_rate); held-out inputs are exactly 0 in x̃")
    func sampleValidation() {
        let hp = GradientCheck.tinyHyperparameters()
        let (model, p, x, noise) = GradientCheck.problem(hp)
        let terms = runForward(model, p, x, noise)
        let d = model.dims
        let elems = Double(d.B * d.T * d.N)
        var heldOut = 0.0, heldIn = 0.0, heldOutPositive = 0
        for i in 0..<(d.T * d.B * d.N) {
            let l = poissonNLL(count: x[i], logRate: model.logRates[i])
            if noise.svMask[i] == 0 {
                heldOut += l
                #expect(model.xIn[i] == 0, "held-out element \(i) reaches the encoder")
                if x[i] > 0 { heldOutPositive += 1 }
            } else {
                heldIn += l
                let want = x[i] / (1 - hp.svRate) * noise.cdKeep[i] * noise.dIn[i]
                #expect(abs(model.xIn[i] - want) <= 1e-14 * max(1, abs(want)))
            }
        }
        #expect(heldOutPositive > 0, "no held-out element has a count: the zero check would be vacuous")
        let svNll = heldOut / (elems * hp.svRate)
        #expect(abs(terms.svNll - svNll) <= 1e-12 * abs(svNll), "svNll \(terms.svNll) vs \(svNll)")
        let recon = heldIn / (elems * (1 - hp.svRate))
        #expect(abs(terms.recon - recon) <= 1e-12 * abs(recon))

        var off = hp
        off.svRate = 0
        let (m0, p0, x0, n0) = GradientCheck.problem(off)
        #expect(runForward(m0, p0, x0, n0).svNll.isNaN)
    }

    // MARK: Counter-based RNG (§12)

    @Test("NoiseBundle.draw: a trial's draws do not depend on its batch position or batch mates")
    func noiseIndependentOfBatchPosition() {
        var hp = GradientCheck.tinyHyperparameters()
        hp.cdPassRate = 0.2
        let a = NoiseBundle<Double>(Dims(hp, batch: 2)), c = NoiseBundle<Double>(Dims(hp, batch: 3))
        let trialsA = [5, 9], trialsC = [9, 1, 2]
        let svA = trialsA.map { sampleValidationMask(hp, split: 0, trialIndex: $0, as: Double.self) }
        let svC = trialsC.map { sampleValidationMask(hp, split: 0, trialIndex: $0, as: Double.self) }
        a.draw(hp, trials: trialsA, epoch: 2, step: 5, kind: .training, svMasks: svA)
        c.draw(hp, trials: trialsC, epoch: 2, step: 5, kind: .training, svMasks: svC)
        let d = a.dims, T = d.T
        // (name, values in a, values in c, width, per step?)
        let tensors: [(String, [Double], [Double], Int, Bool)] = [
            ("dIn", a.dIn.array, c.dIn.array, d.N, true), ("dIc", a.dIc.array, c.dIc.array, 2 * d.Eic, false),
            ("dCi", a.dCi.array, c.dCi.array, 2 * d.Eci, true), ("dPhi", a.dPhi.array, c.dPhi.array, d.F, true),
            ("dG0", a.dG0.array, c.dG0.array, d.Hg, false), ("dG", a.dG.array, c.dG.array, d.Hg, true),
            ("cdKeep", a.cdKeep.array, c.cdKeep.array, d.N, true), ("cdGrad", a.cdGrad.array, c.cdGrad.array, d.N, true),
            ("svMask", a.svMask.array, c.svMask.array, d.N, true), ("epsIc", a.epsIc.array, c.epsIc.array, d.D, false),
            ("epsCo", a.epsCo.array, c.epsCo.array, d.U, true), ("epsKl", a.epsKl.array, c.epsKl.array, d.U, true),
        ]
        for (name, ba, bc, w, perStep) in tensors {
            func slice(_ buf: [Double], batch: Int, b: Int) -> [Double] {
                perStep ? (0..<T).flatMap { t in (0..<w).map { buf[(t * batch + b) * w + $0] } }
                        : (0..<w).map { buf[b * w + $0] }
            }
            let nine = slice(ba, batch: 2, b: 1)
            #expect(nine == slice(bc, batch: 3, b: 0), "\(name): trial 9 differs between batches")
            #expect(nine != slice(ba, batch: 2, b: 0), "\(name): trials 5 and 9 got identical draws")
        }
        // The CD gradient mask passes every dropped element, and some seen ones (cd_pass_rate 0.2).
        var passedSeen = 0
        for i in 0..<c.cdKeep.count {
            if c.cdKeep[i] == 0 { #expect(c.cdGrad[i] == 1) } else if c.cdGrad[i] == 1 { passedSeen += 1 }
        }
        #expect(passedSeen > 0)
    }

}

// MARK: - Helpers (file-private so other test files can use the same names)


private struct TestRNG {
    var s: SplitMix64
    init(_ seed: UInt64) { s = keyedStream(seed: seed, .testData, 0xC0_4E) }
    mutating func normals(_ n: Int, _ sd: Double = 1) -> [Double] { (0..<n).map { _ in sd * s.normal() } }
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * s.uniform() }
}

/// log N(z; 0, Σ) by Cholesky, Σ row-major [n, n].
private func gaussianLogDensity(_ z: [Double], covariance sigma: [Double]) -> Double {
    let n = z.count
    var L = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
        for j in 0...i {
            var s = sigma[i * n + j]
            for k in 0..<j { s -= L[i * n + k] * L[j * n + k] }
            L[i * n + j] = i == j ? s.squareRoot() : s / L[j * n + j]
        }
    }
    var y = [Double](repeating: 0, count: n)   // L y = z
    for i in 0..<n {
        var s = z[i]
        for k in 0..<i { s -= L[i * n + k] * y[k] }
        y[i] = s / L[i * n + i]
    }
    let logDet = 2 * (0..<n).reduce(0.0) { $0 + log(L[$1 * n + $1]) }
    let quad = y.reduce(0) { $0 + $1 * $1 }
    return -0.5 * (Double(n) * log(2 * Double.pi) + logDet + quad)
}

private func runForward(_ m: LFADSModel<Double>, _ p: [Double], _ x: [Double], _ n: NoiseBundle<Double>,
                        _ w: LossWeights = .full, _ o: PassOptions = PassOptions()) -> LossTerms {
    p.withUnsafeBufferPointer { pp in
        x.withUnsafeBufferPointer { m.forward(params: pp.baseAddress!, x: $0.baseAddress!, noise: n, weights: w, options: o) }
    }
}

private func runBackward(_ m: LFADSModel<Double>, _ p: [Double], _ g: inout [Double], _ x: [Double],
                         _ n: NoiseBundle<Double>, _ w: LossWeights = .full) {
    p.withUnsafeBufferPointer { pp in
        x.withUnsafeBufferPointer { xp in
            g.withUnsafeMutableBufferPointer {
                m.backward(params: pp.baseAddress!, grads: $0.baseAddress!, x: xp.baseAddress!, noise: n, weights: w)
            }
        }
    }
}
