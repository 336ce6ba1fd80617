import Foundation
import Testing
@testable import LFADS

/// Stitching with the non-Poisson observation models (docs/model.md §14, §18): each session's read-out
/// gives P channels per neuron, ZIG sessions carry their own scales K_s.
struct StitchingObservationTests {
    static let models: [ObservationModel] = [.gaussian, .gamma, .zig]

    static func hp3(_ obs: ObservationModel) -> Hyperparameters {
        var hp = GradientCheck.stitchedHyperparameters(sessions: 3)
        hp.recon = obs.rawValue
        return hp
    }

    /// Float64 whole-model check with CD, SV, dropout, held-out neurons and forward bins on.
    @Test(arguments: models) func gradientCheckOfThreeSessions(_ obs: ObservationModel) {
        let hp = Self.hp3(obs)
        #expect(hp.problems().isEmpty, "\(hp.problems())")
        let r = GradientCheck.runStitched(hp, batches: [2, 1, 2])
        expectGradientsMatch(r, "\(obs)")
        let layout = ParameterLayout(hp), P = obs.channels
        #expect(layout["readout.s1.W"].shape == [hp.facDim, 4 * P] && layout["readout.s1.b"].shape == [4 * P])
        #expect(layout.contains("zig.s2.scale") == (obs == .zig) && !layout.contains("zig.scale"))
    }

    @Test func zigGradientCheckWithoutController() {
        var hp = Self.hp3(.zig); hp.coDim = 0
        #expect(GradientCheck.runStitched(hp, batches: [1, 2, 1]).passed)
    }

    /// One session, W_in = I, b_in = 0, the base read-out (and K) ⇒ the base model with that `recon`:
    /// loss, NLL_sv and every gradient.
    @Test(arguments: models) func identityReadinIsTheBaseModel(_ obs: ObservationModel) {
        var base = GradientCheck.tinyHyperparameters()
        base.heldoutNeurons = 1; base.forwardBins = 1; base.recon = obs.rawValue
        let a = GradientCheck.problem(base)
        let (_, m, p, noise) = StitchingFixture.identity(base, params: a.params, layout: a.model.layout)
        let rb = SBTTTests.pass(a.model, a.params, a.x, a.noise)
        let rs = StitchingTests.pass(m, p, [a.x], noise)
        #expect(abs(rs.terms.l2 - rb.terms.l2) <= 1e-12 * abs(rb.terms.l2))
        StitchingFixture.expectSame(stitched: rs, stitchedLayout: m.layout, base: (rb.terms, rb.grads), layout: a.model.layout, "\(obs)")
        // The rates are the observation model's mean, as the base model's.
        let N = base.dataDim
        for i in 0..<(4 * base.seqLen * N) { #expect(abs(m.rates[0].p[i] - a.model.rates.p[i]) <= 1e-12 * max(abs(a.model.rates.p[i]), 1)) }
    }

    /// A frozen read-out freezes its session's ZIG scales too: exactly zero gradient on W, b and K.
    @Test func frozenReadoutFreezesTheZigScales() {
        let hp = Self.hp3(.zig)
        let (m, p, xs, noise) = GradientCheck.stitchedProblem(hp, batches: [2, 1, 2])
        var o = SessionPassOptions(); o.trainReadout = false
        let frozen = StitchingTests.pass(m, p, xs, noise, options: o).grads
        let live = StitchingTests.pass(m, p, xs, noise).grads
        for s in 0..<3 {
            let k = m.layout["zig.s\(s).scale"], r = m.layout.sessionRanges(s).readout
            #expect(r.contains(k.offset) && r.contains(k.offset + k.count - 1))
            #expect(frozen[r].allSatisfy { $0 == 0 })
            #expect(live[k.offset..<(k.offset + k.count)].contains { $0 != 0 })
        }
    }

    /// A mixed ZIG step's recon is the mean of the sessions' recons run alone (each its own K_s).
    @Test func mixedZigStepIsTheMeanOfSessionsRunAlone() {
        let hp = Self.hp3(.zig), batches = [2, 1, 2]
        let (m, p, xs, noise) = GradientCheck.stitchedProblem(hp, batches: batches)
        let mixed = StitchingTests.pass(m, p, xs, noise)
        StitchingFixture.expectMixedReconIsMeanOfAlone(hp, batches: batches, model: m, mixed: mixed.terms, params: p, xs: xs)
    }
}
