import Foundation
import Testing
@testable import LFADS

/// Stitching with external inputs (docs/model.md §16, §18): each session's e_s [T,B_s,E] goes into the
/// shared generator in the core's rows of that session.
struct StitchingExtInputTests {
    static func hp3(E: Int = 2) -> Hyperparameters {
        var hp = GradientCheck.stitchedHyperparameters(sessions: 3)
        hp.extInputDim = E
        return hp
    }

    /// One forward and backward of a stitched model with external inputs, in Double.
    static func pass(_ m: StitchedModel<Double>, _ p: [Double], _ xs: [[Double]], _ es: [[Double]],
                     _ noise: SessionNoise<Double>) -> (terms: LossTerms, grads: [Double]) {
        var g = [Double](repeating: 0, count: p.count)
        let ptrs = (xs + es).map { x -> UnsafeMutablePointer<Double> in
            let q = UnsafeMutablePointer<Double>.allocate(capacity: max(x.count, 1)); q.initialize(from: x, count: x.count); return q
        }
        defer { ptrs.forEach { $0.deallocate() } }
        let x = ptrs.map { UnsafePointer($0) }, S = xs.count
        let t = p.withUnsafeBufferPointer { pp in
            let t = m.forward(params: pp.baseAddress!, xs: Array(x[..<S]), exts: Array(x[S...]), noise: noise, weights: .full)
            g.withUnsafeMutableBufferPointer { gp in
                m.backward(params: pp.baseAddress!, grads: gp.baseAddress!, xs: Array(x[..<S]), noise: noise, weights: .full)
            }
            return t
        }
        return (t, g)
    }

    @Test func gradientCheckOfThreeSessionsWithExternalInputs() {
        let hp = Self.hp3()
        #expect(hp.problems().isEmpty, "\(hp.problems())")
        let r = GradientCheck.runStitched(hp, batches: [2, 1, 2])
        expectGradientsMatch(r)
        #expect(ParameterLayout(hp)["gen.W_x"].shape[0] == hp.coDim + 2)
    }

    /// Every feature at once: ZIG read-outs, 30 % missing, external inputs, CD, SV, held-out neurons.
    @Test func gradientCheckWithZigSBTTAndExternalInputs() {
        var hp = Self.hp3()
        hp.recon = "zig"; hp.sbtt = 1
        let r = GradientCheck.runStitched(hp, batches: [1, 2, 1], missing: 0.3)
        expectGradientsMatch(r)
    }

    /// One session, W_in = I, b_in = 0 ⇒ the base model with external inputs: loss and every gradient.
    @Test func identityReadinIsTheBaseModelWithExternalInputs() {
        var base = GradientCheck.tinyHyperparameters()
        base.heldoutNeurons = 1; base.forwardBins = 1; base.extInputDim = 2
        let a = GradientCheck.problem(base)
        let (_, m, p, noise) = StitchingFixture.identity(base, params: a.params, layout: a.model.layout)
        let ext = GradientCheck.externalInputs(base, batch: 4)
        var gb = [Double](repeating: 0, count: a.params.count)
        let tb = a.x.withUnsafeBufferPointer { xp in
            a.params.withUnsafeBufferPointer { pp in
                let t = a.model.forward(params: pp.baseAddress!, x: xp.baseAddress!, ext: ext, noise: a.noise, weights: .full)
                gb.withUnsafeMutableBufferPointer { g in
                    a.model.backward(params: pp.baseAddress!, grads: g.baseAddress!, x: xp.baseAddress!, noise: a.noise, weights: .full)
                }
                return t
            }
        }
        let rs = Self.pass(m, p, [a.x], [ext], noise)
        StitchingFixture.expectSame(stitched: rs, stitchedLayout: m.layout, base: (tb, gb), layout: a.model.layout)
        // The inputs matter: zero them and the loss moves.
        let zero = Self.pass(m, p, [a.x], [ext.map { _ in 0 }], noise)
        #expect(abs(zero.terms.total - tb.total) > 1e-6 * abs(tb.total))
    }

    /// Each session's inputs reach its own rows: a mixed step's recon is the mean of the sessions run
    /// alone with their own inputs.
    @Test func mixedStepIsTheMeanOfSessionsRunAloneWithTheirInputs() {
        let hp = Self.hp3(), batches = [2, 1, 2]
        let (m, p, xs, noise) = GradientCheck.stitchedProblem(hp, batches: batches)
        let es = GradientCheck.stitchedExternalInputs(hp, batches: batches)
        let mixed = Self.pass(m, p, xs, es, noise)
        var reconMean = 0.0
        for s in 0..<3 {
            let (ms, ns, _) = StitchingFixture.sessionAlone(hp, batches: batches, session: s)
            func pick(_ a: [[Double]]) -> [[Double]] { a.enumerated().map { $0.offset == s ? $0.element : [] } }
            let alone = Self.pass(ms, p, pick(xs), pick(es), ns)
            reconMean += alone.terms.recon / 3
            #expect(abs(m.sessionTerms.recon[s] - alone.terms.recon) <= 1e-12 * abs(alone.terms.recon), "session \(s)")
        }
        #expect(abs(mixed.terms.recon - reconMean) <= 1e-12 * abs(reconMean))
    }
}
