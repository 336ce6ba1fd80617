import Foundation
import Testing
@testable import LFADS

/// Multi-session stitching (docs/model.md §18): per-session read-ins and read-outs around one core.
struct StitchingTests {
    /// One forward and backward of a stitched model in Double.
    static func pass(_ m: StitchedModel<Double>, _ p: [Double], _ xs: [[Double]], _ noise: SessionNoise<Double>,
                     weights: LossWeights = .full, options: SessionPassOptions = SessionPassOptions())
        -> (terms: LossTerms, grads: [Double]) {
        var g = [Double](repeating: 0, count: p.count)
        let ptrs = xs.map { x -> UnsafeMutablePointer<Double> in
            let q = UnsafeMutablePointer<Double>.allocate(capacity: max(x.count, 1)); q.initialize(from: x, count: x.count); return q
        }
        defer { ptrs.forEach { $0.deallocate() } }
        let x = ptrs.map { UnsafePointer($0) }
        let t = p.withUnsafeBufferPointer { pp in
            let t = m.forward(params: pp.baseAddress!, xs: x, noise: noise, weights: weights, options: options)
            g.withUnsafeMutableBufferPointer { gp in
                m.backward(params: pp.baseAddress!, grads: gp.baseAddress!, xs: x, noise: noise, weights: weights, options: options)
            }
            return t
        }
        return (t, g)
    }

    static func hp3() -> Hyperparameters { GradientCheck.stitchedHyperparameters(sessions: 3) }

    @Test func gradientCheckOfThreeSessionsWithCDSVHeldoutAndForwardBins() {
        let r = GradientCheck.runStitched(Self.hp3(), batches: [2, 1, 2])
        expectGradientsMatch(r)
        #expect(r.tensors.contains { $0.name == "readin.s2.W" } && r.tensors.contains { $0.name == "readout.s1.b" })
    }

    @Test func gradientCheckWithoutController() {
        var hp = Self.hp3(); hp.coDim = 0
        #expect(GradientCheck.runStitched(hp, batches: [1, 2, 1]).passed)
    }

    /// Every model feature composes with stitching now (docs/model.md §18): none is refused.
    @Test func everyFeatureCombinesWithStitching() {
        var hp = Self.hp3()
        hp.recon = ObservationModel.zig.rawValue; hp.sbtt = 1; hp.extInputDim = 1; hp.temporalShiftMax = 2
        #expect(hp.problems().isEmpty, "\(hp.problems())")
    }

    /// R0: without a read-in, the layout and the hps JSON are the base model's.
    @Test func withoutReadinTheLayoutAndHpsAreTheBaseModels() throws {
        let hp = GradientCheck.tinyHyperparameters()
        #expect(ParameterLayout(hp).names.contains("readout.W"))
        #expect(!ParameterLayout(hp).names.contains { $0.hasPrefix("readin") })
        for k in Hyperparameters.sessionKeys { #expect(!hp.jsonString().contains("\"\(k)\"")) }
        let s = Self.hp3()
        #expect(s.jsonString().contains("\"session_shapes\": \"2:0:0;4:1:1;6:0:0\""))
        #expect(try Hyperparameters(json: s.jsonString()) == s)
    }

    /// W_in = I, b_in = 0 (R = N) and the base read-out ⇒ the base model: loss and every shared gradient.
    @Test func identityReadinIsTheBaseModel() {
        var base = GradientCheck.tinyHyperparameters()
        base.heldoutNeurons = 1; base.forwardBins = 1
        let a = GradientCheck.problem(base)
        let (_, m, p, noise) = StitchingFixture.identity(base, params: a.params, layout: a.model.layout)
        let rb = SBTTTests.pass(a.model, a.params, a.x, a.noise)
        let rs = Self.pass(m, p, [a.x], noise)
        StitchingFixture.expectSame(stitched: rs, stitchedLayout: m.layout, base: (rb.terms, rb.grads), layout: a.model.layout)
    }

    /// A mixed step's recon is the mean of the sessions' recons run alone, its KL the trial-weighted
    /// mean over the union; its gradient the sum of the alone passes under the step's normalisers.
    @Test func mixedStepIsTheMeanOfSessionsRunAlone() {
        let hp = Self.hp3(), batches = [2, 1, 2]
        let (m, p, xs, noise) = GradientCheck.stitchedProblem(hp, batches: batches)
        let mixed = Self.pass(m, p, xs, noise)
        var reconMean = 0.0, klIc = 0.0, klCo = 0.0
        var summed = [Double](repeating: 0, count: p.count)
        for s in 0..<3 {
            let (ms, ns, _) = StitchingFixture.sessionAlone(hp, batches: batches, session: s)
            let xo = xs.enumerated().map { $0.offset == s ? $0.element : [] }
            let alone = Self.pass(ms, p, xo, ns)
            reconMean += alone.terms.recon / 3
            klIc += alone.terms.klIc * Double(batches[s]) / 5; klCo += alone.terms.klCo * Double(batches[s]) / 5
            #expect(abs(m.sessionTerms.recon[s] - alone.terms.recon) <= 1e-12 * alone.terms.recon)
            var o = SessionPassOptions(); o.sessionTrials = batches; o.includeParameterTerms = s == 0
            let share = Self.pass(ms, p, xo, ns, options: o)
            for i in summed.indices { summed[i] += share.grads[i] }
        }
        #expect(abs(mixed.terms.recon - reconMean) <= 1e-12 * reconMean)
        #expect(abs(mixed.terms.klIc - klIc) <= 1e-12 * klIc)
        #expect(abs(mixed.terms.klCo - klCo) <= 1e-12 * abs(klCo))
        for i in summed.indices { #expect(abs(summed[i] - mixed.grads[i]) <= 1e-12 + 1e-9 * abs(summed[i]), "\(i)") }
    }

    /// Sessions, their data and adapters in another order give the same loss (noise off).
    @Test func permutedSessionsGiveTheSameLoss() {
        let hp = Self.hp3(), batches = [2, 1, 2], perm = [2, 0, 1]
        let (m, p, xs, _) = GradientCheck.stitchedProblem(hp, batches: batches)
        var hq = hp
        hq.setSessions(perm.map { hp.sessions[$0] })
        let mq = StitchedModel<Double>(hp: hq, batches: perm.map { batches[$0] })
        var q = [Double](repeating: .nan, count: p.count)
        for e in mq.layout.entries {
            var src = e.name
            if let r = e.name.range(of: #"\.s\d+\."#, options: .regularExpression) {
                let i = Int(e.name[r].dropFirst(2).dropLast())!
                src = e.name.replacingCharacters(in: r, with: ".s\(perm[i]).")
            }
            for k in 0..<e.count { q[e.offset + k] = p[m.layout[src].offset + k] }
        }
        var o = SessionPassOptions(); o.latents = .posteriorMean
        let n1 = m.makeNoise(), n2 = mq.makeNoise()
        let a = Self.pass(m, p, xs, n1, options: o), b = Self.pass(mq, q, perm.map { xs[$0] }, n2, options: o)
        #expect(abs(a.terms.total - b.terms.total) <= 1e-12 * abs(a.terms.total))
        #expect(a.terms.total != 0)
        for s in 0..<3 {
            #expect(abs(mq.sessionTerms.recon[s] - m.sessionTerms.recon[perm[s]]) <= 1e-12 * m.sessionTerms.recon[perm[s]])
        }
    }

    /// Frozen adapters get exactly zero gradient; trainable ones do not.
    @Test func frozenAdaptersGetNoGradient() {
        let hp = Self.hp3()
        let (m, p, xs, noise) = GradientCheck.stitchedProblem(hp, batches: [2, 1, 2])
        var o = SessionPassOptions(); o.trainReadin = false; o.trainReadout = false
        let frozen = Self.pass(m, p, xs, noise, options: o).grads
        let live = Self.pass(m, p, xs, noise).grads
        for s in 0..<3 {
            let r = m.layout.sessionRanges(s)
            #expect(frozen[r.readin].allSatisfy { $0 == 0 } && frozen[r.readout].allSatisfy { $0 == 0 })
            #expect(live[r.readin].contains { $0 != 0 } && live[r.readout].contains { $0 != 0 })
        }
        let core = 0..<m.layout["readin.s0.W"].offset
        #expect(frozen[core] == live[core])
    }
}
