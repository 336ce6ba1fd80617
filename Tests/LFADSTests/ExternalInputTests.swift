import Foundation
import Testing
@testable import LFADS

/// External inputs (docs/model.md §16): e_t ⊙ d_ext joins u_t as the generator's input.
struct ExternalInputTests {
    static func extHP(_ E: Int = 2) -> Hyperparameters {
        var hp = GradientCheck.tinyHyperparameters()
        hp.extInputDim = E
        return hp
    }

    /// One forward and backward in Double: the loss terms and ∇L.
    static func pass(_ model: LFADSModel<Double>, _ p: [Double], _ x: [Double], _ ext: [Double],
                     _ noise: NoiseBundle<Double>) -> (terms: LossTerms, grads: [Double]) {
        var g = [Double](repeating: 0, count: p.count)
        let terms = x.withUnsafeBufferPointer { xp in
            p.withUnsafeBufferPointer { pp in
                let t = model.forward(params: pp.baseAddress!, x: xp.baseAddress!, ext: ext, noise: noise, weights: .full)
                g.withUnsafeMutableBufferPointer { gp in
                    model.backward(params: pp.baseAddress!, grads: gp.baseAddress!, x: xp.baseAddress!,
                                   noise: noise, weights: .full)
                }
                return t
            }
        }
        return (terms, g)
    }

    /// Parameters of the E-input model from the base model's: `rows` (E·3H_g values) inserted after
    /// gen.W_x's U input rows, every other tensor as it was.
    static func widen(_ base: [Double], baseHP: Hyperparameters, rows: [Double]) -> [Double] {
        let w = ParameterLayout(baseHP)["gen.W_x"]
        let at = w.offset + w.count
        return Array(base[..<at]) + rows + Array(base[at...])
    }

    static func close(_ a: Double, _ b: Double, _ tol: Double = 1e-12) -> Bool { abs(a - b) <= tol * max(abs(a), abs(b), 1) }

    @Test("Float64 gradcheck with E = 2, dropout, CD and SV on", arguments: [true, false])
    func gradientCheck(controller: Bool) {
        var hp = Self.extHP()
        if !controller { hp.coDim = 0 }
        let r = GradientCheck.run(hp)
        expectGradientsMatch(r)
        #expect(r.tensors.first { $0.name == "gen.W_x" }?.count == (hp.coDim + 2) * 3 * hp.genDim)
    }

    @Test("Float64 gradcheck with ext and held-out neurons, forward bins, SBTT and each observation model",
          arguments: ["poisson", "gaussian", "gamma", "zig"])
    func gradientCheckWithTheOtherFeatures(recon: String) {
        var hp = Self.extHP()
        hp.heldoutNeurons = 1; hp.forwardBins = 2; hp.sbtt = 1; hp.recon = recon
        let r = GradientCheck.run(hp, missing: 0.3)
        expectGradientsMatch(r, "\(recon)")
    }

    @Test("The generator reads [u_t | e_t ⊙ d_ext,t], and the check's ext rows carry gradient")
    func extRowsHaveGradient() {
        let hp = Self.extHP()
        let (m, p, x, noise) = GradientCheck.problem(hp)
        let ext = GradientCheck.externalInputs(hp, batch: m.dims.B)
        let g = Self.pass(m, p, x, ext, noise).grads
        let w = m.layout["gen.W_x"], rows = (w.offset + hp.coDim * 3 * hp.genDim)..<(w.offset + w.count)
        #expect(g[rows].contains { abs($0) > 1e-6 })
        #expect((0..<(m.dims.T * m.dims.B * 2)).contains { noise.dExt[$0] == 0 }, "d_ext drops some inputs")
        // The generator read [u_t | e_t ⊙ d_ext,t].
        let (B, U) = (m.dims.B, hp.coDim)
        for t in 0..<hp.seqLen {
            for b in 0..<B {
                let v = m.generatorInput(t: t, b: b)
                for k in 0..<U { #expect(v[k] == m.u[(t * B + b) * U + k]) }
                for j in 0..<2 { let i = (t * B + b) * 2 + j; #expect(v[U + j] == ext[i] * noise.dExt[i]) }
            }
        }
    }

    /// ext ≡ 0: the base model's loss with gen.W_x = its first U rows, whatever the ext rows hold;
    /// their gradient is exactly 0 and every other gradient the base model's.
    @Test func zeroInputsAreTheBaseModel() {
        let base = GradientCheck.tinyHyperparameters(), hp = Self.extHP()
        let a = GradientCheck.problem(base)
        var r = keyedStream(seed: 99, .testData)
        let rows = (0..<(2 * 3 * base.genDim)).map { _ in r.normal() }
        let p = Self.widen(a.params, baseHP: base, rows: rows)
        let m = LFADSModel<Double>(hp: hp, batch: 4)
        let noise = NoiseBundle<Double>(m.dims)
        noise.draw(hp, trials: Array(0..<4), epoch: 3, step: 1, kind: .training,
                   svMasks: (0..<4).map { sampleValidationMask(hp, split: 0, trialIndex: $0) })
        let zero = [Double](repeating: 0, count: hp.seqLen * 4 * 2)
        let ra = Self.pass(a.model, a.params, a.x, [], a.noise), rb = Self.pass(m, p, a.x, zero, noise)
        #expect(Self.close(ra.terms.total, rb.terms.total) && Self.close(ra.terms.recon, rb.terms.recon))
        #expect(ra.terms.klCo == rb.terms.klCo && ra.terms.klIc == rb.terms.klIc)
        let w = m.layout["gen.W_x"], extRows = (w.offset + base.coDim * 3 * base.genDim)..<(w.offset + w.count)
        #expect(extRows.count == rows.count)
        for i in extRows { #expect(rb.grads[i] == 0) }
        let others = Self.widen(ra.grads, baseHP: base, rows: [Double](repeating: .nan, count: rows.count))
        for i in others.indices where !extRows.contains(i) {
            #expect(Self.close(others[i], rb.grads[i], 1e-10), "gradient \(i)")
        }
    }

    /// U = 0 with zero ext rows: the generator without inputs, whatever the ext inputs are.
    @Test func noControllerWithZeroExtRowsIsTheNoInputGenerator() {
        var base = GradientCheck.tinyHyperparameters()
        base.coDim = 0
        var hp = base
        hp.extInputDim = 2
        let a = GradientCheck.problem(base)
        let p = Self.widen(a.params, baseHP: base, rows: [Double](repeating: 0, count: 2 * 3 * base.genDim))
        let m = LFADSModel<Double>(hp: hp, batch: 4)
        let noise = NoiseBundle<Double>(m.dims)
        noise.draw(hp, trials: Array(0..<4), epoch: 3, step: 1, kind: .training,
                   svMasks: (0..<4).map { sampleValidationMask(hp, split: 0, trialIndex: $0) })
        let ext = GradientCheck.externalInputs(hp, batch: 4)
        #expect(ext.contains { $0 != 0 })
        let ra = Self.pass(a.model, a.params, a.x, [], a.noise), rb = Self.pass(m, p, a.x, ext, noise)
        #expect(Self.close(ra.terms.total, rb.terms.total))
        let gen = m.layout["gen.W_x"]
        let others = Self.widen(ra.grads, baseHP: base, rows: [Double](repeating: .nan, count: gen.count))
        for i in others.indices where !others[i].isNaN { #expect(Self.close(others[i], rb.grads[i], 1e-10), "gradient \(i)") }
    }

    /// Every other mask and noise tensor is the same draw whatever E is; d_ext is its own stream.
    @Test func otherMasksUnchangedByE() {
        let base = GradientCheck.tinyHyperparameters(), hp = Self.extHP(3)
        let trials = [7, 2, 40]
        func draw(_ hp: Hyperparameters, _ kind: PassKind) -> NoiseBundle<Float> {
            let n = NoiseBundle<Float>(LFADSModel<Float>(hp: hp, batch: 3).dims)
            n.draw(hp, trials: trials, epoch: 3, step: 5, kind: kind)
            return n
        }
        let a = draw(base, .training), b = draw(hp, .training)
        for (x, y) in [(a.dIn.array, b.dIn.array), (a.dIc.array, b.dIc.array), (a.dCi.array, b.dCi.array),
                       (a.dPhi.array, b.dPhi.array), (a.dG0.array, b.dG0.array), (a.dG.array, b.dG.array),
                       (a.cdKeep.array, b.cdKeep.array), (a.cdGrad.array, b.cdGrad.array), (a.svMask.array, b.svMask.array),
                       (a.epsIc.array, b.epsIc.array), (a.epsCo.array, b.epsCo.array), (a.epsKl.array, b.epsKl.array)] {
            #expect(x.count == y.count)
            #expect((0..<x.count).allSatisfy { x[$0].bitPattern == y[$0].bitPattern })
        }
        let keep = 1 - hp.dropoutRate, T = hp.seqLen
        for (bi, trial) in trials.enumerated() {
            var r = keyedStream(seed: UInt64(hp.seed), .dropoutExt, 3, 5, UInt64(trial))
            for t in 0..<T {
                for j in 0..<3 {
                    let want: Float = r.uniform() < keep ? Float(1 / keep) : 0
                    #expect(b.dExt[(t * 3 + bi) * 3 + j] == want)
                }
            }
        }
        let s = draw(hp, .sampling)
        #expect((0..<s.dExt.count).allSatisfy { s.dExt[$0] == 1 }, "no ext dropout outside training")
    }

    /// R0: E = 0 is the base layout and init; E > 0 widens gen.W_x only, with init std 1/√(U+E).
    @Test func layoutAndInit() {
        let base = GradientCheck.tinyHyperparameters(), hp = Self.extHP(6)
        let lb = ParameterLayout(base), le = ParameterLayout(hp)
        #expect(lb.names == le.names)
        for (x, y) in zip(lb.entries, le.entries) where x.name != "gen.W_x" { #expect(x.shape == y.shape) }
        #expect(le["gen.W_x"].shape == [base.coDim + 6, 3 * base.genDim])
        var big = hp
        big.genDim = 400
        let p = Initialization.parameters(big, seed: 3, as: Double.self)
        let w = ParameterLayout(big)["gen.W_x"]
        let v = p[w.offset..<(w.offset + w.count)]
        let sd = (v.map { $0 * $0 }.reduce(0, +) / Double(v.count)).squareRoot()
        #expect(abs(sd - 1 / Double(big.coDim + 6).squareRoot()) < 0.01)
        #expect(!base.jsonString().contains("ext_input_dim") && hp.jsonString().contains("\"ext_input_dim\": 6"))
        var bad = base
        bad.extInputDim = -1
        #expect(bad.problems().contains { $0.contains("ext_input_dim") })
    }
}
