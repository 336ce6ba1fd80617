import Foundation
import Testing
@testable import LFADS

/// Finite-difference checks of single backward blocks in Float64: one ClippedGRU run (§2), the
/// KL_co estimate and its AR(1) prior (§4), and KL_ic against the closed-form Gaussian KL.
@Suite("Per-block gradient checks")
struct BlockGradientTests {

    // MARK: (a) ClippedGRU run

    @Test("ClippedGRU run: dA, dW_h, db and the initial state match central differences; breaks are caught",
          arguments: [false, true], [BackwardMutation.none, .noClipMask, .swappedGateBlocks])
    func clippedGRURun(reverse: Bool, mutation: BackwardMutation) {
        let T = 4, B = 2, H = 3, H3 = 3 * H
        var rng = TestRNG(reverse ? 102 : 101)
        var a = rng.normals(T * B * H3, 1.0)
        var wh = rng.normals(H * H3, 0.9)
        var h0 = rng.normals(B * H, 0.6)
        let w = rng.normals(T * B * H)
        let clip = 0.45
        let run = GRURun<Double>(T: T, B: B, H: H, reverse: reverse)
        let forwardOrder = reverse ? Array((0..<T).reversed()) : Array(0..<T)

        func loss() -> Double {
            run.initial.update(from: h0, count: B * H)
            a.withUnsafeBufferPointer { ap in
                wh.withUnsafeBufferPointer { whp in
                    for t in forwardOrder { run.stepForward(t, a: ap.baseAddress! + t * B * H3, wh: whp.baseAddress!, clip: clip) }
                }
            }
            var s = 0.0
            for t in 0..<T { for i in 0..<(B * H) { s += w[t * B * H + i] * run.output(t)[i] } }
            return s
        }

        // Analytic gradients from one forward and stepBackward in reverse processing order.
        _ = loss()
        let v = run.v.array
        let clipped = v.filter { abs($0) > clip }.count
        let margin = v.map { abs(abs($0) - clip) }.min() ?? 0
        let dh = Buffer<Double>(B * H)
        wh.withUnsafeBufferPointer { run.prepareBackward(wh: $0.baseAddress!) }
        for t in forwardOrder.reversed() {
            for i in 0..<(B * H) { dh[i] += w[t * B * H + i] }
            run.stepBackward(t, dh: dh.p, clip: clip, mutation: mutation)
        }
        let dInitial = dh.array, dA = run.dA.array
        var dWh = [Double](repeating: 0, count: H * H3), db = [Double](repeating: 0, count: H3)
        dWh.withUnsafeMutableBufferPointer { whp in
            db.withUnsafeMutableBufferPointer { run.accumulateRecurrentGrads(dWh: whp.baseAddress!, db: $0.baseAddress!) }
        }

        var fd = FDComparison()
        for i in a.indices { fd.check("a[\(i)]", dA[i]) { e in a[i] += e; defer { a[i] -= e }; return loss() } }
        for i in wh.indices { fd.check("W_h[\(i)]", dWh[i]) { e in wh[i] += e; defer { wh[i] -= e }; return loss() } }
        for i in h0.indices { fd.check("h_init[\(i)]", dInitial[i]) { e in h0[i] += e; defer { h0[i] -= e }; return loss() } }
        // A bias moves a[t, b, j] for every t and b together.
        for j in 0..<H3 {
            fd.check("b[\(j)]", db[j]) { e in
                for r in 0..<(T * B) { a[r * H3 + j] += e }
                defer { for r in 0..<(T * B) { a[r * H3 + j] -= e } }
                return loss()
            }
        }

        #expect(clipped > 0 && clipped < v.count, "clip must bite for some states only: \(clipped)/\(v.count)")
        #expect(margin > 1e-4, "a state sits at the clip boundary (margin \(margin)); differences would cross the kink")
        #expect(fd.checked == T * B * H3 + H * H3 + B * H + H3)
        #expect(fd.maxNumeric > 1e-2, "gradients are all tiny; the check would be vacuous")
        if mutation == .none {
            #expect(fd.failures.isEmpty, "\(fd.failures.count) failures: \(fd.failures.prefix(6))")
        } else {
            #expect(!fd.failures.isEmpty, "mutation \(mutation) not detected by the block check")
        }
    }

    // MARK: (b) KL_co and its AR(1) prior

    @Test("KL_co gradients (μ_co, ℓ_co, log_tau, log_nvar) match finite differences of klCo", arguments: [1, 2, 6])
    func klCoGradients(seqLen: Int) {
        var hp = GradientCheck.tinyHyperparameters()
        hp.seqLen = seqLen
        hp.ciLag = min(hp.ciLag, seqLen - 1)
        let B = 3
        let model = LFADSModel<Double>(hp: hp, batch: B)
        let d = model.dims, U = d.U, n = d.T * B * U
        var rng = TestRNG(200 + UInt64(seqLen))
        var P = Initialization.parameters(hp, seed: 5, as: Double.self)
        let lt = model.layout["co_prior.log_tau"].offset, ln = model.layout["co_prior.log_nvar"].offset
        for k in 0..<U {
            P[lt + k] = log(3.0) + 0.4 * rng.normal()
            P[ln + k] = log(0.2) + 0.4 * rng.normal()
        }
        let noise = NoiseBundle<Double>(d)
        model.coMean.copy(from: rng.normals(n, 0.8))
        model.coLogvar.copy(from: (0..<n).map { _ in rng.uniform(-1.5, 0.5) })
        noise.epsKl.copy(from: rng.normals(n))

        let scale = 0.37
        var G = [Double](repeating: 0, count: P.count)
        let valueWithGrads = P.withUnsafeBufferPointer { pp in
            G.withUnsafeMutableBufferPointer { model.klCo(pp.baseAddress!, noise: noise, gradScale: scale, grads: $0.baseAddress!) }
        }
        let dMean = model.klCoDMean.array, dLogvar = model.klCoDLogvar.array
        func value() -> Double { P.withUnsafeBufferPointer { model.klCo($0.baseAddress!, noise: noise, gradScale: nil) } }
        #expect(abs(valueWithGrads - value()) <= 1e-13 * abs(valueWithGrads), "gradScale must not change the value")

        // The per-trial value is Σ_k [log q + AR1Prior's −log p] at z′ = μ + exp(ℓ/2)·ε′.
        var viaPrior = 0.0
        for k in 0..<U {
            let prior = AR1Prior(logTau: P[lt + k], logNvar: P[ln + k])
            for b in 0..<B {
                var z = [Double](), logQ = 0.0
                for t in 0..<d.T {
                    let i = (t * B + b) * U + k, lv = model.coLogvar[i], e = noise.epsKl[i]
                    z.append(model.coMean[i] + exp(lv / 2) * e)
                    logQ -= 0.5 * (log(2 * Double.pi) + lv + e * e)
                }
                viaPrior += logQ + prior.negativeLogDensity(z)
            }
        }
        #expect(abs(viaPrior - valueWithGrads) <= 1e-12 * max(1, abs(viaPrior)))

        var fd = FDComparison()
        for i in 0..<n {
            fd.check("coMean[\(i)]", dMean[i] / scale) { e in
                model.coMean[i] += e; defer { model.coMean[i] -= e }; return value()
            }
            fd.check("coLogvar[\(i)]", dLogvar[i] / scale) { e in
                model.coLogvar[i] += e; defer { model.coLogvar[i] -= e }; return value()
            }
        }
        for k in 0..<U {
            fd.check("log_tau[\(k)]", G[lt + k] / scale) { e in P[lt + k] += e; defer { P[lt + k] -= e }; return value() }
            fd.check("log_nvar[\(k)]", G[ln + k] / scale) { e in P[ln + k] += e; defer { P[ln + k] -= e }; return value() }
        }
        // Only the two prior tensors receive a parameter gradient from klCo.
        let others = G.indices.filter { !(lt..<(lt + U)).contains($0) && !(ln..<(ln + U)).contains($0) }
        #expect(others.allSatisfy { G[$0] == 0 })
        #expect(fd.checked == 2 * n + 2 * U)
        #expect(fd.maxNumeric > 1e-2)
        #expect(fd.failures.isEmpty, "\(fd.failures.count) failures: \(fd.failures.prefix(6))")
    }

    // MARK: (c) KL_ic

    @Test("KL_ic equals the closed-form KL(N(μ, diag σ²) ‖ N(μ_p, v_p·I)), summed over trials")
    func klIcClosedForm() {
        var hp = GradientCheck.tinyHyperparameters()
        hp.icDim = 3; hp.icPriorVar = 0.37
        let B = 4
        let model = LFADSModel<Double>(hp: hp, batch: B)
        let D = model.dims.D
        var rng = TestRNG(300)
        var P = Initialization.parameters(hp, seed: 9, as: Double.self)
        let mp = model.layout["ic_prior.mean"].offset
        let muP = rng.normals(D, 0.5)
        for j in 0..<D { P[mp + j] = muP[j] }
        let mu = rng.normals(B * D, 1.0)
        let variance = (0..<(B * D)).map { _ in exp(rng.uniform(-2, 1)) + hp.icPostVarMin }
        model.icMean.copy(from: mu)
        model.icVar.copy(from: variance)
        let got = P.withUnsafeBufferPointer { model.klIc($0.baseAddress!) }

        // ½[tr(Σ_p⁻¹Σ_q) + (μ_p − μ_q)ᵀΣ_p⁻¹(μ_p − μ_q) − D + ln(det Σ_p / det Σ_q)] per trial.
        var want = 0.0
        let vp = hp.icPriorVar
        for b in 0..<B {
            var trace = 0.0, maha = 0.0, logDetQ = 0.0
            for j in 0..<D {
                let q = variance[b * D + j], dm = muP[j] - mu[b * D + j]
                trace += q / vp; maha += dm * dm / vp; logDetQ += log(q)
            }
            want += 0.5 * (trace + maha - Double(D) + (Double(D) * log(vp) - logDetQ))
        }
        #expect(want > 0.1, "KL should be clearly positive for these values")
        #expect(abs(got - want) <= 1e-12 * want, "klIc \(got) vs closed form \(want)")
    }
}

// MARK: - Helpers (file-private)

private struct TestRNG {
    var s: SplitMix64
    init(_ seed: UInt64) { s = keyedStream(seed: seed, .testData, 0xB10C) }
    mutating func normal() -> Double { s.normal() }
    mutating func normals(_ n: Int, _ sd: Double = 1) -> [Double] { (0..<n).map { _ in sd * s.normal() } }
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * s.uniform() }
}

/// Central differences with step 1e−6; passes where |analytic − numeric| ≤ 1e−6 + 1e−4·|numeric| (§12).
private struct FDComparison {
    static let step = 1e-6
    var failures: [String] = []
    var checked = 0
    var maxNumeric = 0.0

    /// `shifted(e)` returns the loss with the checked input moved by e (and must undo the move).
    mutating func check(_ name: String, _ analytic: Double, _ shifted: (Double) -> Double) {
        let h = Self.step
        let numeric = (shifted(h) - shifted(-h)) / (2 * h)
        checked += 1
        maxNumeric = max(maxNumeric, abs(numeric))
        if !(abs(analytic - numeric) <= 1e-6 + 1e-4 * abs(numeric)) {
            failures.append("\(name): analytic \(analytic), numeric \(numeric)")
        }
    }
}
