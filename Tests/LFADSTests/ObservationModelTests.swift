import Foundation
import Testing
@testable import LFADS

/// The observation models of docs/model.md §14: element derivatives, the identities of the
/// distributions, the special functions, Float stability, and the whole-model gradient check.
@Suite("Observation models (docs/model.md §14)")
struct ObservationModelTests {
    /// Five-point central difference: O(h⁴) truncation, so 1e−7 relative is reachable in Double.
    static func derivative(_ f: (Double) -> Double, at x: Double, h: Double = 1e-3) -> Double {
        (-f(x + 2 * h) + 8 * f(x + h) - 8 * f(x - h) + f(x - 2 * h)) / (12 * h)
    }

    static func close(_ analytic: Double, _ numeric: Double, rel: Double = 1e-7) -> Bool {
        abs(analytic - numeric) <= rel * max(abs(numeric), 1e-2)
    }

    static let grid: [Double] = [-6, -3.5, -1, -0.2, 0, 0.4, 1.3, 3, 6]

    /// ℓ as a function of one channel (0…2) or one scale (3, 4) of an element.
    static func nll(_ m: ObservationModel, x: Double, theta: (Double, Double, Double), scale: (Double, Double),
                    loc: Double, moving k: Int, to v: Double) -> Double {
        var t = theta, s = scale
        switch k {
        case 0: t.0 = v
        case 1: t.1 = v
        case 2: t.2 = v
        case 3: s.0 = v
        default: s.1 = v
        }
        return m.element(x: x, theta: t, scale: s, loc: loc).nll
    }

    @Test("∂ℓ/∂θ (and ∂ℓ/∂K for ZIG) match Float64 differences to 1e−7 over z ∈ [−6, 6]",
          arguments: [ObservationModel.poisson, .gaussian, .gamma, .zig])
    func elementGradients(_ m: ObservationModel) {
        let loc = 0.1, scale = (3.0, 5.0)
        let xs: [Double] = switch m {
        case .poisson: [0, 1, 4]
        case .gaussian: [-2, 0.3, 5]
        case .gamma: [0.05, 1, 7]
        case .zig: [0, 0.15, 1, 7]
        }
        var checked = 0
        for x in xs {
            for a in Self.grid {
                for b in Self.grid where m.channels > 1 || b == 0 {
                    for c in [-6.0, -0.7, 2.5, 6] where m.channels > 2 || c == -6 {
                        let th = (a, m.channels > 1 ? b : 0, m.channels > 2 ? c : 0)
                        let e = m.element(x: x, theta: th, scale: scale, loc: loc)
                        let analytic = [e.dTheta.0, e.dTheta.1, e.dTheta.2, e.dScale.0, e.dScale.1]
                        let moved = Array(0..<m.channels) + (m.hasScale ? [3, 4] : [])
                        for k in moved {
                            let at = [th.0, th.1, th.2, scale.0, scale.1][k]
                            let numeric = Self.derivative({ Self.nll(m, x: x, theta: th, scale: scale, loc: loc, moving: k, to: $0) }, at: at)
                            #expect(Self.close(analytic[k], numeric), "\(m) x=\(x) θ=\(th) slot \(k): \(analytic[k]) vs \(numeric)")
                            checked += 1
                        }
                    }
                }
            }
        }
        #expect(checked > 20)
    }

    /// Simpson's rule on [a, b] with n (even) intervals.
    static func simpson(_ f: (Double) -> Double, _ a: Double, _ b: Double, n: Int = 40_000) -> Double {
        let h = (b - a) / Double(n)
        var s = f(a) + f(b)
        for i in 1..<n { s += (i % 2 == 1 ? 4 : 2) * f(a + Double(i) * h) }
        return s * h / 3
    }

    @Test("Densities integrate to 1 and their first moment is the mean m(θ)")
    func normalisationAndMean() {
        // Gaussian: μ = 0.7, s = ln 0.5 (σ ≈ 0.71).
        let g = (0.7, Foundation.log(0.5), 0.0)
        let pg = { (x: Double) in Foundation.exp(-ObservationModel.gaussian.element(x: x, theta: g).nll) }
        let gaussianMass = Self.simpson(pg, -12, 13)
        // ℓ omits ½ ln 2π (LT's full=False), so the density is e^{−ℓ}/√(2π).
        #expect(abs(gaussianMass / (2 * Double.pi).squareRoot() - 1) < 1e-10)
        #expect(abs(Self.simpson({ $0 * pg($0) }, -12, 13) / (2 * Double.pi).squareRoot() - 0.7) < 1e-10)

        // Gamma: α = e^a = 2.5, β = e^c = 1.5; mean α/β.
        for (alpha, beta) in [(2.5, 1.5), (7.0, 0.8), (3.3, 3.0)] {   // α ≥ 2.5: smooth at 0 for Simpson
            let t = (Foundation.log(alpha), Foundation.log(beta), 0.0)
            let p = { (x: Double) in x <= 0 ? 0 : Foundation.exp(-ObservationModel.gamma.element(x: x, theta: t).nll) }
            let hi = 80 / beta
            #expect(abs(Self.simpson(p, 0, hi, n: 400_000) - 1) < 1e-6, "gamma mass α=\(alpha) β=\(beta)")
            let mean = ObservationModel.gamma.mean(theta: t)
            #expect(abs(mean - alpha / beta) < 1e-12)
            #expect(abs(Self.simpson({ $0 * p($0) }, 0, hi, n: 400_000) - mean) < 1e-6 * mean)
        }

        // ZIG: the point mass at 0 plus the shifted Gamma above loc.
        let loc = 0.1, K = (4.0, 6.0), z = (0.3, -0.5, 0.8)
        let zig = ObservationModel.zig
        let zeroMass = Foundation.exp(-zig.element(x: 0, theta: z, scale: K, loc: loc).nll)
        let p = { (x: Double) in x <= loc ? 0 : Foundation.exp(-zig.element(x: x, theta: z, scale: K, loc: loc).nll) }
        let cont = Self.simpson(p, loc, loc + 60, n: 400_000)
        #expect(abs(zeroMass + cont - 1) < 1e-6, "ZIG mass \(zeroMass) + \(cont)")
        let q = logistic(0.8)
        #expect(abs(zeroMass - (1 - q)) < 1e-14)
        let mean = zig.mean(theta: z, scale: K, loc: loc)
        #expect(abs(Self.simpson({ $0 * p($0) }, loc, loc + 60, n: 400_000) - mean) < 1e-6 * mean)
    }

    @Test("Stationary points: μ = x, v = (x − μ)², β = α/x")
    func stationaryPoints() {
        let gauss = ObservationModel.gaussian.element(x: 1.7, theta: (1.7, 0.3, 0))
        #expect(gauss.dTheta.0 == 0)
        let r = 1.7 - 0.9
        let atVariance = ObservationModel.gaussian.element(x: 1.7, theta: (0.9, Foundation.log(r * r), 0))
        #expect(abs(atVariance.dTheta.1) < 1e-15)
        let alpha = 3.2, x = 2.5
        let gamma = ObservationModel.gamma.element(x: x, theta: (Foundation.log(alpha), Foundation.log(alpha / x), 0))
        #expect(abs(gamma.dTheta.1) < 1e-14)
    }

    @Test("ZIG at x = 0: z_α, z_β and K get exactly zero gradient; ∂ℓ/∂z_q = q")
    func zigZeroElement() {
        for zq in Self.grid {
            let e = ObservationModel.zig.element(x: 0, theta: (1.1, -2, zq), scale: (3, 5), loc: 0.1)
            #expect(e.dTheta.0 == 0 && e.dTheta.1 == 0 && e.dScale.0 == 0 && e.dScale.1 == 0)
            #expect(abs(e.dTheta.2 - logistic(zq)) < 1e-16)
        }
    }

    @Test("ZIG stays finite where σ(z) rounds to 1 or falls below the 1e−5 floor")
    func zigExtremes() {
        let zig = ObservationModel.zig
        let sure = zig.element(x: 0, theta: (0, 0, 60), scale: (20, 20), loc: 0.1)
        #expect(abs(sure.nll - 60) < 1e-12, "−ln(1 − q) = softplus(z_q) = \(sure.nll)")
        let event = zig.element(x: 2, theta: (0, 0, -60), scale: (20, 20), loc: 0.1)
        #expect(event.nll.isFinite && event.dTheta.2 == 0, "q clamped at 1e−5: no gradient")
        let low = zig.element(x: 2, theta: (-60, -60, 0), scale: (20, 20), loc: 0.1)
        #expect(low.nll.isFinite && low.dTheta.0 == 0 && low.dTheta.1 == 0)
        // The Float model path hands Float θ to the same Double code: a Float that overflows e^a in
        // Float (a = 100) still gives a finite ℓ.
        let gamma = ObservationModel.gamma.element(x: 1, theta: (Double(Float(100)), Double(Float(99)), 0))
        #expect(gamma.nll.isFinite && gamma.dTheta.0.isFinite)
    }

    @Test("A Float ZIG model whose event probability rounds to 1 keeps a finite loss and gradient")
    func floatModelAtTheEdges() {
        var hp = GradientCheck.tinyHyperparameters()
        hp.recon = "zig"
        let (dm, _, xd, _) = GradientCheck.problem(hp)
        let model = LFADSModel<Float>(hp: hp, batch: dm.dims.B)
        var p = Initialization.parameters(hp, seed: 7, as: Float.self)
        let b = model.layout["readout.b"], N = hp.dataDim
        for j in 0..<N { p[b.offset + 2 * N + j] = 60 }   // σ(z_q) = 1 in Float and Double
        for j in 0..<N { p[b.offset + j] = -40 }          // σ(z_α) under the 1e−5 floor
        let x = xd.map { Float($0) }
        #expect(x.contains(0) && x.contains { $0 > 0 })
        let noise = NoiseBundle<Float>(model.dims)
        noise.draw(hp, trials: Array(0..<dm.dims.B), epoch: 0, step: 0, kind: .training)
        var g = [Float](repeating: 0, count: p.count)
        let terms = p.withUnsafeBufferPointer { pp in
            x.withUnsafeBufferPointer { xp in
                let t = model.forward(params: pp.baseAddress!, x: xp.baseAddress!, noise: noise, weights: .full)
                g.withUnsafeMutableBufferPointer {
                    model.backward(params: pp.baseAddress!, grads: $0.baseAddress!, x: xp.baseAddress!, noise: noise, weights: .full)
                }
                return t
            }
        }
        #expect(terms.total.isFinite && terms.recon > 0, "\(terms)")
        #expect(g.allSatisfy { $0.isFinite })
    }

    @Test("ψ(1) = −γ, ψ(0.5) = −γ − 2 ln 2, the recurrence, and ψ = (ln Γ)′")
    func digammaValues() {
        #expect(abs(digamma(1) - -0.5772156649015329) < 1e-15)
        #expect(abs(digamma(0.5) - -1.9635100260214235) < 2e-15)
        #expect(abs(digamma(10) - 2.251752589066721) < 1e-15)
        // −1/x − γ + ζ(2)x − ζ(3)x² + O(x³) at x = 1e−3.
        #expect(abs(digamma(1e-3) - -1000.5755719318103) < 1e-9)
        for x in [0.013, 0.37, 1.9, 5.99, 6.01, 9.5, 10.5, 43.0, 1e4] {
            #expect(abs(digamma(x + 1) - digamma(x) - 1 / x) <= 1e-15 * max(1, abs(digamma(x)), 1 / x), "recurrence at \(x)")
        }
        for x in [0.37, 1.9, 5.99, 6.01, 9.5, 10.5, 43.0] {
            let numeric = Self.derivative(logGamma, at: x)
            #expect(abs(digamma(x) - numeric) <= 1e-9 * max(1, abs(numeric)), "ψ(\(x)) \(digamma(x)) vs \(numeric)")
        }
        #expect(digamma(0).isNaN && digamma(-1).isNaN)
    }

    @Test("Whole-model gradient check passes with each observation model",
          arguments: [ObservationModel.gaussian, .gamma, .zig])
    func wholeModel(_ m: ObservationModel) {
        var hp = GradientCheck.tinyHyperparameters()
        hp.recon = m.rawValue
        hp.zigScalePenalty = 0.05   // large enough that the penalty's gradient shows in zig.scale
        let r = GradientCheck.run(hp)
        #expect(r.tensors.count == 39 + (m.hasScale ? 1 : 0))
        let readout = r.tensors.first { $0.name == "readout.W" }
        #expect(readout?.count == hp.facDim * hp.dataDim * m.channels)
        #expect(r.passed, "\(failureSummary(r))")
    }

    @Test("ZIG whole-model check with held-out neurons and forward bins, and without a controller")
    func zigHeldoutAndNoController() {
        var hp = GradientCheck.tinyHyperparameters()
        hp.recon = "zig"
        hp.heldoutNeurons = 1; hp.forwardBins = 2
        let held = GradientCheck.run(hp)
        #expect(held.passed, "\(failureSummary(held))")
        hp.heldoutNeurons = 0; hp.forwardBins = 0; hp.coDim = 0; hp.recon = "gamma"
        let plain = GradientCheck.run(hp)
        #expect(plain.passed, "\(failureSummary(plain))")
    }

    @Test("Layout: Poisson keeps [F, N] read-out and writes no observation keys; others widen it")
    func layoutAndJSON() throws {
        var hp = GradientCheck.tinyHyperparameters()
        let base = ParameterLayout(hp)
        #expect(base["readout.W"].shape == [3, 3] && !base.contains("zig.scale"))
        #expect(!Hyperparameters.observationKeys.contains { hp.jsonString().contains("\"\($0)\"") })
        hp.recon = "zig"
        let zig = ParameterLayout(hp)
        #expect(zig["readout.W"].shape == [3, 9] && zig["readout.b"].shape == [9] && zig["zig.scale"].shape == [2, 3])
        // Every earlier tensor keeps its offset, so init streams and file order before it are unchanged.
        for e in base.entries where e.name != "readout.W" && e.name != "readout.b" { #expect(zig[e.name].offset == e.offset) }
        #expect(hp.jsonString().contains("\"recon\": \"zig\""))
        #expect(try Hyperparameters(json: hp.jsonString()) == hp)
        let p = Initialization.parameters(hp, seed: 3, as: Double.self)
        let k = zig["zig.scale"]
        #expect(p[k.offset..<(k.offset + k.count)].allSatisfy { $0 == hp.zigScaleInit })
        hp.recon = "laplace"
        #expect(hp.problems().contains { $0.contains("'recon'") })
    }
}
