import Foundation
import Testing
@testable import LFADS

/// SBTT, selective backpropagation through time (docs/model.md §15): NaN marks a missing element.
struct SBTTTests {
    static func sbttHP(_ recon: String = "poisson") -> Hyperparameters {
        var hp = GradientCheck.tinyHyperparameters()
        hp.sbtt = 1
        hp.recon = recon
        return hp
    }

    /// One forward and backward in Double: the loss terms, ∇L and ∂L/∂θ of the read-out.
    static func pass(_ model: LFADSModel<Double>, _ p: [Double], _ x: [Double], _ noise: NoiseBundle<Double>)
        -> (terms: LossTerms, grads: [Double], dTheta: [Double]) {
        var g = [Double](repeating: 0, count: p.count)
        let terms = x.withUnsafeBufferPointer { xp in
            p.withUnsafeBufferPointer { pp in
                let t = model.forward(params: pp.baseAddress!, x: xp.baseAddress!, noise: noise, weights: .full)
                g.withUnsafeMutableBufferPointer { gp in
                    model.backward(params: pp.baseAddress!, grads: gp.baseAddress!, x: xp.baseAddress!,
                                   noise: noise, weights: .full)
                }
                return t
            }
        }
        let n = model.dims.T * model.dims.B * model.dims.N * model.dims.P
        return (terms, g, Array(UnsafeBufferPointer(start: model.dLogRates.p, count: n)))
    }

    @Test(arguments: ["poisson", "gaussian", "gamma", "zig"])
    func gradientCheckWith30PercentMissing(recon: String) {
        let r = GradientCheck.run(Self.sbttHP(recon), missing: 0.3)
        expectGradientsMatch(r, "\(recon)")
    }

    @Test func gradientCheckWithHeldoutNeuronsForwardBinsAndNoController() {
        var hp = Self.sbttHP()
        hp.heldoutNeurons = 1; hp.forwardBins = 2
        #expect(GradientCheck.run(hp, missing: 0.3).passed)
        hp.coDim = 0
        #expect(GradientCheck.run(hp, missing: 0.3).passed)
    }

    @Test func theCheckProblemHasMissingElements() {
        let x = GradientCheck.problem(Self.sbttHP(), missing: 0.3).x
        let frac = Double(x.filter(\.isNaN).count) / Double(x.count)
        #expect(frac > 0.15 && frac < 0.45)
    }

    /// R0: SBTT on with nothing missing is the base model, bit for bit.
    @Test func withoutMissingElementsSBTTIsTheBaseModel() {
        let base = GradientCheck.tinyHyperparameters()
        var on = base; on.sbtt = 1
        let a = GradientCheck.problem(base), b = GradientCheck.problem(on)
        let ra = Self.pass(a.model, a.params, a.x, a.noise), rb = Self.pass(b.model, b.params, b.x, b.noise)
        #expect(ra.terms == rb.terms)
        #expect(ra.grads.map(\.bitPattern) == rb.grads.map(\.bitPattern))
    }

    @Test func missingElementsGetNoGradientAndEverythingIsFinite() {
        let (m, p, x, noise) = GradientCheck.problem(Self.sbttHP(), missing: 0.3)
        let r = Self.pass(m, p, x, noise)
        #expect(r.terms.total.isFinite)
        let finite = r.grads.allSatisfy { $0.isFinite }
        #expect(finite)
        for i in x.indices where x[i].isNaN { #expect(r.dTheta[i] == 0) }
        let someGradient = r.dTheta.contains { $0 != 0 }
        #expect(someGradient)
        // Rates come out everywhere, the missing elements included.
        let rates = Array(UnsafeBufferPointer(start: m.rates.p, count: x.count))
        let positive = rates.allSatisfy { $0.isFinite && $0 > 0 }
        #expect(positive)
    }

    /// L_rec is the mean of ℓ over the observed elements (CD, SV and dropout off).
    @Test func reconIsTheMeanOverObservedElements() {
        var hp = Self.sbttHP()
        hp.cdRate = 0; hp.svRate = 0; hp.dropoutRate = 0
        let (m, p, x, noise) = GradientCheck.problem(hp, missing: 0.3)
        let r = Self.pass(m, p, x, noise)
        var s = 0.0, n = 0
        for i in x.indices where !x[i].isNaN {
            s += poissonNLL(count: x[i], logRate: m.logRates.p[i]); n += 1
        }
        #expect(abs(r.terms.recon - s / Double(n)) <= 1e-12 * abs(s / Double(n)))
        #expect(r.terms.heldInRecon == r.terms.recon)
    }

    /// The encoder sees 0 at a missing element: the latents and read-out are those of the same data
    /// with 0 written there, bit for bit.
    @Test func encoderSeesZeroAtMissingElements() {
        let (m, p, x, noise) = GradientCheck.problem(Self.sbttHP(), missing: 0.3)
        _ = Self.pass(m, p, x, noise)
        let z1 = Array(UnsafeBufferPointer(start: m.z.p, count: m.dims.B * m.dims.D))
        let th1 = Array(UnsafeBufferPointer(start: m.logRates.p, count: x.count))
        _ = Self.pass(m, p, x.map { $0.isNaN ? 0 : $0 }, noise)
        #expect(z1.map(\.bitPattern) == Array(UnsafeBufferPointer(start: m.z.p, count: m.dims.B * m.dims.D)).map(\.bitPattern))
        #expect(th1.map(\.bitPattern) == Array(UnsafeBufferPointer(start: m.logRates.p, count: x.count)).map(\.bitPattern))
    }

    /// A fully missing trial is a deleted trial: same reconstruction loss and gradient (the KL terms,
    /// per trial, are off here since the missing trial still has a posterior).
    @Test func fullyMissingTrialEqualsDeletedTrial() {
        var hp = Self.sbttHP()
        hp.klIcScale = 0; hp.klCoScale = 0
        let four = GradientCheck.problem(hp, batch: 4, missing: 0.2)
        var x4 = four.x
        let (T, N) = (hp.seqLen, hp.dataDim)
        for t in 0..<T { for j in 0..<N { x4[(t * 4 + 3) * N + j] = .nan } }
        var x3 = [Double]()
        for t in 0..<T { for b in 0..<3 { for j in 0..<N { x3.append(four.x[(t * 4 + b) * N + j]) } } }
        let m3 = LFADSModel<Double>(hp: hp, batch: 3)
        let n3 = NoiseBundle<Double>(m3.dims)
        let sv = (0..<3).map { sampleValidationMask(hp, split: 0, trialIndex: $0) } as [[Double]]
        n3.draw(hp, trials: [0, 1, 2], epoch: 3, step: 1, kind: .training, svMasks: sv)
        let r4 = Self.pass(four.model, four.params, x4, four.noise)
        let r3 = Self.pass(m3, four.params, x3, n3)
        #expect(abs(r4.terms.recon - r3.terms.recon) <= 1e-13 * abs(r3.terms.recon))
        var worst = 0.0
        for i in r3.grads.indices { worst = max(worst, abs(r4.grads[i] - r3.grads[i]) / max(abs(r3.grads[i]), 1e-9)) }
        #expect(worst < 1e-10)
        // ... and still gets rates.
        let rates = Array(UnsafeBufferPointer(start: four.model.rates.p, count: x4.count))
        let finiteRates = rates.allSatisfy { $0.isFinite }
        #expect(finiteRates)
    }

    @Test func sbttKeyIsWrittenOnlyWhenOn() throws {
        #expect(!GradientCheck.tinyHyperparameters().jsonString().contains("sbtt"))
        let on = Self.sbttHP()
        #expect(on.jsonString().contains("\"sbtt\": 1"))
        #expect(try Hyperparameters(json: on.jsonString()).sbtt == 1)
        var bad = on; bad.sbtt = 2
        let named = bad.problems().contains { $0.contains("sbtt") }
        #expect(named)
    }
}
