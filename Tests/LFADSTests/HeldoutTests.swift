import Foundation
import Testing
@testable import LFADS

/// Held-out neurons and forward bins (NLB layout, docs/data.md §1): the encoder never sees
/// them, the model still predicts them, and they stay in the training loss but not in valid NLL.
@Suite("Held-out neurons and forward bins")
struct HeldoutTests {
    /// The gradient-check model with its last neuron held out and its last 2 of 5 bins forward.
    static func hiddenHP(cd: Double = 0.4, sv: Double = 0.25) -> Hyperparameters {
        var hp = GradientCheck.tinyHyperparameters()
        hp.heldoutNeurons = 1; hp.forwardBins = 2
        hp.cdRate = cd; hp.svRate = sv
        return hp
    }

    /// (t, b, n) is hidden from the encoder.
    static func hidden(_ hp: Hyperparameters, t: Int, n: Int) -> Bool {
        t >= hp.seqLen - hp.forwardBins || n >= hp.dataDim - hp.heldoutNeurons
    }

    @Test("Whole-loss gradient check passes with held-out neurons, forward bins, CD, SV and dropout")
    func gradientCheckWithHiddenInput() {
        let r = GradientCheck.run(Self.hiddenHP())
        #expect(r.tensors.count == 39)
        #expect(r.passed, "\(failureSummary(r))")
        var noMasks = Self.hiddenHP(cd: 0, sv: 0)
        noMasks.dropoutRate = 0
        let r0 = GradientCheck.run(noMasks)
        #expect(r0.passed, "\(failureSummary(r0))")
    }

    /// Forward passes on x and on x with `change` applied, same parameters and noise.
    static func passes(_ hp: Hyperparameters, kind: PassKind, latents: LatentMode,
                       change: (inout [Double], Int) -> Void) -> (LossTerms, [Double], LossTerms, [Double]) {
        let (model, p, x0, _) = GradientCheck.problem(hp)
        let noise = NoiseBundle<Double>(model.dims)
        let sv = hp.svRate > 0 ? (0..<model.dims.B).map { sampleValidationMask(hp, split: 1, trialIndex: $0, as: Double.self) } : nil
        noise.draw(hp, trials: Array(0..<model.dims.B), epoch: 1, step: 0, kind: kind, svMasks: sv)
        var options = PassOptions()
        options.latents = latents
        func run(_ x: [Double]) -> (LossTerms, [Double]) {
            let t = model.forward(params: p, x: x, noise: noise, weights: .full, options: options)
            return (t, Array(UnsafeBufferPointer(start: model.logRates.p, count: model.logRates.count)))
        }
        var x1 = x0
        change(&x1, model.dims.B)
        let (t0, l0) = run(x0), (t1, l1) = run(x1)
        return (t0, l0, t1, l1)
    }

    /// Adds 7 to every hidden count, or to every visible one (some are SV- or CD-masked).
    static func perturb(_ hp: Hyperparameters, hiddenOnly: Bool) -> (inout [Double], Int) -> Void {
        { x, B in
            let N = hp.dataDim
            for t in 0..<hp.seqLen {
                for b in 0..<B {
                    for n in 0..<N where hidden(hp, t: t, n: n) == hiddenOnly {
                        x[(t * B + b) * N + n] += 7
                    }
                }
            }
        }
    }

    @Test("Changing held-out counts changes no output, in training and in sampling passes",
          arguments: [(PassKind.training, LatentMode.sample), (.sampling, .sample), (.sampling, .posteriorMean)])
    func encoderNeverSeesHiddenInput(kind: PassKind, latents: LatentMode) {
        let hp = Self.hiddenHP()
        let (t0, l0, t1, l1) = Self.passes(hp, kind: kind, latents: latents, change: Self.perturb(hp, hiddenOnly: true))
        #expect(l0 == l1, "log-rates moved when only hidden counts changed")
        #expect(t0.heldInRecon == t1.heldInRecon, "held-in NLL must not involve hidden elements")
        #expect(t0.recon != t1.recon, "hidden elements must stay in the training loss")
        // The same change to a visible count does reach the encoder.
        let (_, v0, _, v1) = Self.passes(hp, kind: kind, latents: latents, change: Self.perturb(hp, hiddenOnly: false))
        #expect(v0 != v1, "a visible count must change the output (else the test is vacuous)")
    }

    @Test("Without hidden input, the held-in NLL is the reconstruction loss")
    func heldInEqualsReconWhenNothingIsHidden() {
        let hp = GradientCheck.tinyHyperparameters()
        let (t, _, _, _) = Self.passes(hp, kind: .training, latents: .sample) { _, _ in }
        #expect(t.heldInRecon == t.recon)
    }

    @Test("Held-in NLL, NLL_sv and L_rec match a direct sum over their elements")
    func lossTermsFromTheirDefinitions() {
        let hp = Self.hiddenHP(cd: 0)
        let (model, p, x, _) = GradientCheck.problem(hp)
        let noise = NoiseBundle<Double>(model.dims)
        let B = model.dims.B, N = hp.dataDim
        let sv = (0..<B).map { sampleValidationMask(hp, split: 0, trialIndex: $0, as: Double.self) }
        noise.draw(hp, trials: Array(0..<B), epoch: 0, step: 0, kind: .sampling, svMasks: sv)
        let terms = model.forward(params: p, x: x, noise: noise, weights: .full)
        var heldIn = 0.0, svSum = 0.0, hiddenSum = 0.0, visible = 0.0
        for t in 0..<hp.seqLen {
            for b in 0..<B {
                for n in 0..<N {
                    let i = (t * B + b) * N + n
                    let l = poissonNLL(count: x[i], logRate: model.logRates.p[i])
                    if Self.hidden(hp, t: t, n: n) { hiddenSum += l; continue }
                    visible += 1
                    if sv[b][t * N + n] == 1 { heldIn += l } else { svSum += l }
                }
            }
        }
        let kSv = 1 - hp.svRate
        #expect(abs(terms.heldInRecon - heldIn / (visible * kSv)) < 1e-12)
        #expect(abs(terms.svNll - svSum / (visible * hp.svRate)) < 1e-12)
        let all = Double(hp.seqLen * B * N)
        #expect(abs(terms.recon - (heldIn / kSv + hiddenSum) / all) < 1e-12)
    }

    @Test("heldout_neurons and forward_bins must leave something for the encoder")
    func validation() {
        var hp = GradientCheck.tinyHyperparameters()
        hp.heldoutNeurons = hp.dataDim
        #expect(hp.problems().contains { $0.hasPrefix("'heldout_neurons' = 3 is out of range") })
        hp.heldoutNeurons = 0; hp.forwardBins = hp.seqLen
        #expect(hp.problems().contains { $0.hasPrefix("'forward_bins' = 5 is out of range") })
        hp.forwardBins = -1
        #expect(!hp.problems().isEmpty)
    }
}
