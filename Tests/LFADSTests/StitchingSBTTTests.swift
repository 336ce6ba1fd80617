import Foundation
import Testing
@testable import LFADS

/// Stitching with SBTT (docs/model.md §15, §18): NaN marks a missing element of any session; the
/// encoder sees 0 there and each session's reconstruction is a mean over its own observed elements.
struct StitchingSBTTTests {
    static func hp3(_ recon: String = "poisson") -> Hyperparameters {
        var hp = GradientCheck.stitchedHyperparameters(sessions: 3)
        hp.sbtt = 1; hp.recon = recon
        return hp
    }

    /// Float64 whole-model check, 30 % missing, with CD, SV, dropout, held-out neurons and forward bins.
    @Test(arguments: ["poisson", "zig"]) func gradientCheckWith30PercentMissing(_ recon: String) {
        let hp = Self.hp3(recon)
        #expect(hp.problems().isEmpty, "\(hp.problems())")
        let (_, _, xs, _) = GradientCheck.stitchedProblem(hp, batches: [2, 1, 2], missing: 0.3)
        #expect(xs.allSatisfy { x in x.contains { $0.isNaN } && x.contains { !$0.isNaN } })
        let r = GradientCheck.runStitched(hp, batches: [2, 1, 2], missing: 0.3)
        expectGradientsMatch(r, "\(recon)")
    }

    /// One session, W_in = I, b_in = 0 ⇒ the base model with SBTT: loss, NLL_sv and every gradient.
    @Test(arguments: ["poisson", "zig"]) func identityReadinIsTheBaseSBTTModel(_ recon: String) {
        var base = SBTTTests.sbttHP(recon)
        base.heldoutNeurons = 1; base.forwardBins = 1
        let a = GradientCheck.problem(base, missing: 0.3)
        let (_, m, p, noise) = StitchingFixture.identity(base, params: a.params, layout: a.model.layout)
        #expect(a.x.contains { $0.isNaN })
        let rb = SBTTTests.pass(a.model, a.params, a.x, a.noise)
        let rs = StitchingTests.pass(m, p, [a.x], noise)
        #expect(abs(rs.terms.heldInRecon - rb.terms.heldInRecon) <= 1e-12 * abs(rb.terms.heldInRecon))
        StitchingFixture.expectSame(stitched: rs, stitchedLayout: m.layout, base: (rb.terms, rb.grads), layout: a.model.layout, recon)
    }

    /// Each session normalises by its own observed count: the mixed step's recon is the mean of the
    /// sessions run alone, and the step's normalisers given as global counts reproduce the local pass.
    @Test func eachSessionIsAMeanOverItsOwnObservedElements() {
        let hp = Self.hp3(), batches = [2, 1, 2]
        let (m, p, xs, noise) = GradientCheck.stitchedProblem(hp, batches: batches, missing: 0.3)
        let mixed = StitchingTests.pass(m, p, xs, noise)
        StitchingFixture.expectMixedReconIsMeanOfAlone(hp, batches: batches, model: m, mixed: mixed.terms, params: p, xs: xs)
        // The observed counts passed in (as the trainer does, global over ranks) give the same pass.
        var o = SessionPassOptions()
        o.sessionObserved = zip(hp.sessions, xs).enumerated().map { s, e in
            let (shape, x) = e, N = shape.neurons, Bs = batches[s]
            var all = 0, visible = 0
            for i in x.indices where !x[i].isNaN {
                all += 1
                if (i / (Bs * N)) < hp.seqLen - shape.forwardBins && i % N < N - shape.heldout { visible += 1 }
            }
            return (all, visible)
        }
        let given = StitchingTests.pass(m, p, xs, noise, options: o)
        #expect(given.terms == mixed.terms)
        #expect(given.grads.map(\.bitPattern) == mixed.grads.map(\.bitPattern))
    }

    /// R0 of the combination: SBTT on with nothing missing is the stitched model, bit for bit.
    @Test func withoutMissingElementsStitchedSBTTIsTheStitchedModel() {
        var off = Self.hp3(); off.sbtt = 0
        let a = GradientCheck.stitchedProblem(off, batches: [2, 1, 2]), b = GradientCheck.stitchedProblem(Self.hp3(), batches: [2, 1, 2])
        let ra = StitchingTests.pass(a.model, a.params, a.xs, a.noise), rb = StitchingTests.pass(b.model, b.params, b.xs, b.noise)
        #expect(ra.terms == rb.terms)
        #expect(ra.grads.map(\.bitPattern) == rb.grads.map(\.bitPattern))
    }
}
