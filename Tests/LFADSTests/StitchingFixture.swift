import Testing
@testable import LFADS

/// The set-ups the stitching tests share (docs/model.md §18): a one-session model that is the base
/// model (W_in = I), and a step of one session alone.
enum StitchingFixture {
    /// Where a base tensor lives in a one-session stitched layout.
    static let rename = ["readout.W": "readout.s0.W", "readout.b": "readout.s0.b", "zig.scale": "zig.s0.scale"]

    /// One session with R = N around a base problem: W_in = I, b_in = 0, every base tensor copied
    /// (the read-out and ZIG scales into session 0's), noise drawn with the base draw's keys. The
    /// base problem's x [T,B,N] is already session 0's time-major block.
    static func identity(_ base: Hyperparameters, params: [Double], layout: ParameterLayout, batch: Int = 4)
        -> (hp: Hyperparameters, model: StitchedModel<Double>, params: [Double], noise: SessionNoise<Double>) {
        var st = base
        st.readinDim = base.dataDim; st.trainReadin = 1
        st.setSessions([SessionShape(neurons: base.dataDim, heldout: base.heldoutNeurons, forwardBins: base.forwardBins)])
        let m = StitchedModel<Double>(hp: st, batches: [batch])
        var p = [Double](repeating: 0, count: m.layout.count)
        for e in layout.entries {
            let to = m.layout[rename[e.name] ?? e.name]
            #expect(to.shape == e.shape, "\(e.name)")
            for i in 0..<e.count { p[to.offset + i] = params[e.offset + i] }
        }
        let N = base.dataDim
        for j in 0..<N { p[m.layout["readin.s0.W"].offset + j * N + j] = 1 }
        let noise = m.makeNoise()
        let sv = (0..<batch).map { sessionValidationMask(st, session: 0, split: 0, trialIndex: $0, as: Double.self) }
        noise.draw(st, trials: [Array(0..<batch)], epoch: 3, step: 1, kind: .training, svMasks: [sv])
        return (st, m, p, noise)
    }

    /// The stitched pass equals the base pass: total loss, SV NLL and every base tensor's gradient.
    static func expectSame(stitched rs: (terms: LossTerms, grads: [Double]), stitchedLayout: ParameterLayout,
                           base rb: (terms: LossTerms, grads: [Double]), layout: ParameterLayout, _ label: String = "") {
        #expect(rs.terms.total.isFinite)
        #expect(abs(rs.terms.total - rb.terms.total) <= 1e-12 * abs(rb.terms.total), "\(label) \(rs.terms.total) vs \(rb.terms.total)")
        #expect(abs(rs.terms.svNll - rb.terms.svNll) <= 1e-12 * abs(rb.terms.svNll), "\(label)")
        for e in layout.entries {
            let to = stitchedLayout[rename[e.name] ?? e.name]
            for i in 0..<e.count {
                let gb = rb.grads[e.offset + i], gs = rs.grads[to.offset + i]
                #expect(abs(gb - gs) <= 1e-10 + 1e-9 * abs(gb), "\(label) \(e.name)[\(i)]: \(gs) vs \(gb)")
            }
        }
    }

    /// The model and noise of a step that holds only session s's trials of `batches`, drawn as the
    /// mixed step's draw (same keys), for "a mixed step is the mean of its sessions run alone".
    static func sessionAlone(_ hp: Hyperparameters, batches: [Int], session s: Int)
        -> (model: StitchedModel<Double>, noise: SessionNoise<Double>, batches: [Int]) {
        let only = batches.enumerated().map { $0.offset == s ? $0.element : 0 }
        let (ms, _, _, ns) = GradientCheck.stitchedProblem(hp, batches: only)
        let sv = only.enumerated().map { i, b in (0..<b).map { sessionValidationMask(hp, session: i, split: 0, trialIndex: $0, as: Double.self) } }
        ns.draw(hp, trials: only.map { Array(0..<$0) }, epoch: 3, step: 1, kind: .training, svMasks: sv)
        return (ms, ns, only)
    }

    /// A mixed step's recon (already run on m) is the mean of its sessions' recons run alone, and each
    /// session's term in it is that session's recon alone.
    static func expectMixedReconIsMeanOfAlone(_ hp: Hyperparameters, batches: [Int], model m: StitchedModel<Double>,
                                              mixed: LossTerms, params p: [Double], xs: [[Double]]) {
        var reconMean = 0.0
        for s in batches.indices {
            let (ms, ns, _) = sessionAlone(hp, batches: batches, session: s)
            let alone = StitchingTests.pass(ms, p, xs.enumerated().map { $0.offset == s ? $0.element : [] }, ns)
            reconMean += alone.terms.recon / Double(batches.count)
            #expect(abs(m.sessionTerms.recon[s] - alone.terms.recon) <= 1e-12 * abs(alone.terms.recon))
        }
        #expect(abs(mixed.recon - reconMean) <= 1e-12 * abs(reconMean))
    }
}
