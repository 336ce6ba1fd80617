import Foundation
import Testing
@testable import LFADS

/// Stitching with temporal shift (docs/model.md §17, §18): each session's trials are shifted before its
/// read-in, with shifts keyed by the session's trial keys.
struct StitchingTemporalShiftTests {
    static func hp3() -> Hyperparameters {
        var hp = GradientCheck.stitchedHyperparameters(sessions: 3)
        hp.temporalShiftMax = 2; hp.temporalShiftStd = 1.5
        return hp
    }

    @Test func gradientCheckWithFixedShifts() {
        let hp = Self.hp3()
        #expect(hp.problems().isEmpty, "\(hp.problems())")
        let r = GradientCheck.runStitched(hp, batches: [2, 1, 2])
        expectGradientsMatch(r)
    }

    /// Every feature at once: shifts, ZIG, 30 % missing, external inputs, CD, SV, held-out neurons.
    @Test func gradientCheckWithEveryFeature() {
        var hp = Self.hp3()
        hp.recon = "zig"; hp.sbtt = 1; hp.extInputDim = 1
        let r = GradientCheck.runStitched(hp, batches: [1, 2, 1], missing: 0.3)
        expectGradientsMatch(r)
    }

    /// Session s's trial k draws under key k + s·2^40: session 0 the base model's shifts, no two sessions alike.
    @Test func shiftsAreKeyedPerSession() {
        let hp = Self.hp3()
        for k in 0..<4 {
            var h0 = hp; h0.dataDim = 2
            #expect(SessionNoise<Double>.shifts(hp, .tshiftEnc, session: 0, trial: k, epoch: 5, step: 2)
                    == TemporalShift.shifts(h0, .tshiftEnc, trial: k, epoch: 5, step: 2))
            var h2 = hp; h2.dataDim = 6
            #expect(SessionNoise<Double>.shifts(hp, .tshiftRec, session: 2, trial: k, epoch: 5, step: 2)
                    == TemporalShift.shifts(h2, .tshiftRec, trial: k + 2 << 40, epoch: 5, step: 2))
        }
        var differ = 0
        for k in 0..<20 {
            let a = SessionNoise<Double>.shifts(hp, .tshiftEnc, session: 0, trial: k, epoch: 1, step: 1)
            let b = SessionNoise<Double>.shifts(hp, .tshiftEnc, session: 2, trial: k, epoch: 1, step: 1)
            if Array(b.prefix(2)) != a { differ += 1 }
        }
        #expect(differ > 10, "sessions 0 and 2 share their draws for \(20 - differ) of 20 trials")
    }

    /// One session, W_in = I, b_in = 0 ⇒ the base model with temporal shift (same shifts, same loss and gradients).
    @Test func identityReadinIsTheBaseModelWithTemporalShift() {
        var base = GradientCheck.tinyHyperparameters()
        base.heldoutNeurons = 1; base.forwardBins = 1; base.temporalShiftMax = 2; base.temporalShiftStd = 1.5
        let a = GradientCheck.problem(base)
        let (st, m, p, noise) = StitchingFixture.identity(base, params: a.params, layout: a.model.layout)
        var unshifted = base; unshifted.temporalShiftMax = 0
        var raw = GradientCheck.problem(unshifted).x
        raw.withUnsafeMutableBufferPointer { noise.applyTemporalShift(st, session: 0, trials: Array(0..<4), epoch: 3, step: 1, x: $0.baseAddress!) }
        #expect(raw == a.x && a.noise.shiftRec.contains { $0 != 0 })
        let rb = SBTTTests.pass(a.model, a.params, a.x, a.noise)
        let rs = StitchingTests.pass(m, p, [raw], noise)
        StitchingFixture.expectSame(stitched: rs, stitchedLayout: m.layout, base: (rb.terms, rb.grads), layout: a.model.layout)
    }

    /// A mixed step's shifts do not depend on which sessions share it: its recon is the mean of the
    /// sessions run alone, each shifted alone.
    @Test func mixedStepIsTheMeanOfSessionsShiftedAlone() {
        let hp = Self.hp3(), batches = [2, 1, 2]
        let (m, p, xs, noise) = GradientCheck.stitchedProblem(hp, batches: batches)
        let mixed = StitchingTests.pass(m, p, xs, noise)
        var h0 = hp; h0.temporalShiftMax = 0
        let raw = GradientCheck.stitchedProblem(h0, batches: batches).xs
        var reconMean = 0.0
        for s in 0..<3 {
            let (ms, ns, _) = StitchingFixture.sessionAlone(hp, batches: batches, session: s)
            var x = raw[s]
            x.withUnsafeMutableBufferPointer { ns.applyTemporalShift(hp, session: s, trials: Array(0..<batches[s]), epoch: 3, step: 1, x: $0.baseAddress!) }
            #expect(x == xs[s] && x != raw[s])
            let alone = StitchingTests.pass(ms, p, (0..<3).map { $0 == s ? x : [] }, ns)
            reconMean += alone.terms.recon / 3
            #expect(abs(m.sessionTerms.recon[s] - alone.terms.recon) <= 1e-12 * abs(alone.terms.recon), "session \(s)")
        }
        #expect(abs(mixed.terms.recon - reconMean) <= 1e-12 * abs(reconMean))
    }
}
