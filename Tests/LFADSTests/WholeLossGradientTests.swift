import Foundation
import Testing
@testable import LFADS

/// The whole-loss finite-difference check of docs/model.md §12 in several configurations, the mutation
/// test that proves it can fail, and the CD value rule of §6.
@Suite("Whole-loss gradient check (docs/model.md §12)")
struct WholeLossGradientTests {

    @Test("Tiny model with controller: 39 tensors, 554 scalars, clip biting, every scalar passes")
    func tinyModelWithController() {
        let r = GradientCheck.run()
        #expect(r.tensors.count == 39)
        #expect(r.scalars == 554)
        #expect(r.clippedFraction > 0, "the generator clip must bite")
        #expect(r.passed, "\(failureSummary(r))")
    }

    @Test("No controller (co_dim = 0): 21 tensors pass")
    func noController() {
        var hp = GradientCheck.tinyHyperparameters()
        hp.coDim = 0
        let r = GradientCheck.run(hp)
        #expect(r.tensors.count == 21)
        #expect(!r.tensors.contains { $0.name.hasPrefix("con.") || $0.name.hasPrefix("ci_enc") || $0.name.hasPrefix("co_") })
        #expect(r.tensors.first { $0.name == "gen.W_x" }?.count == 0)
        #expect(r.passed, "\(failureSummary(r))")
    }

    @Test("Ramp weights other than 1 (w_kl = 0.6, w_l2 = 0.8) pass")
    func rampWeights() {
        let r = GradientCheck.run(weights: LossWeights(kl: 0.6, l2: 0.8))
        #expect(r.tensors.count == 39)
        #expect(r.passed, "\(failureSummary(r))")
    }

    @Test("ci_lag = 2 and cd_pass_rate = 0.2 pass")
    func lagTwoWithPassRate() {
        var hp = GradientCheck.tinyHyperparameters()
        hp.ciLag = 2
        hp.cdPassRate = 0.2
        let r = GradientCheck.run(hp)
        #expect(r.tensors.count == 39)
        #expect(r.passed, "\(failureSummary(r))")
    }

    @Test("CD, SV and dropout off (G ≡ 1, the unblocked loss) pass")
    func everyMaskOff() {
        var hp = GradientCheck.tinyHyperparameters()
        hp.cdRate = 0; hp.svRate = 0; hp.dropoutRate = 0
        let r = GradientCheck.run(hp)
        #expect(r.passed, "\(failureSummary(r))")
    }

    /// The tensor a break must show up in, and one whose gradient does not depend on the break.
    static let mutationWitness: [BackwardMutation: (fails: String, unaffected: String)] = [
        .icVarianceConstant: ("ic_post.b_logvar", "readout.W"),
        .noClipMask: ("gen.W_h", "readout.W"),
        .swappedGateBlocks: ("gen.W_h", "readout.W"),
        .noFactorProjection: ("fac.W", "readout.W"),
        .noZigScaleGradient: ("zig.scale", "readout.W"),
        .noExtInputGradient: ("gen.W_x", "readout.W"),
    ]

    @Test("Every backward mutation makes the check fail, in the tensor it breaks",
          arguments: BackwardMutation.allCases.filter { $0 != .none })
    func mutationIsDetected(_ mutation: BackwardMutation) throws {
        var hp = GradientCheck.tinyHyperparameters()
        if mutation == .noZigScaleGradient { hp.recon = "zig" }   // the only model with zig.scale
        if mutation == .noExtInputGradient { hp.extInputDim = 2 }   // the only model with ext rows (§16)
        let r = GradientCheck.run(hp, mutation: mutation)
        #expect(!r.passed, "mutation \(mutation) was not detected")
        let witness = try #require(Self.mutationWitness[mutation], "no witness for \(mutation)")
        let byName = Dictionary(uniqueKeysWithValues: r.tensors.map { ($0.name, $0) })
        #expect(byName[witness.fails]?.passed == false, "\(witness.fails) should fail under \(mutation)")
        #expect(byName[witness.unaffected]?.passed == true, "\(witness.unaffected) should still pass under \(mutation)")
    }

    @Test("CD value rule: real L equals the unblocked loss (G ≡ 1) and differs from L_s")
    func cdValueRule() {
        let hp = GradientCheck.tinyHyperparameters()
        let (model, p, x, noise) = GradientCheck.problem(hp)
        let blockedCount = noise.cdGrad.array.filter { $0 == 0 }.count
        #expect(blockedCount > 0, "the drawn G must block some elements")

        var surrogate = PassOptions()
        surrogate.cdSurrogate = true
        let real = forward(model, p, x, noise, PassOptions())
        let ls = forward(model, p, x, noise, surrogate)

        let drawnG = noise.cdGrad.array
        noise.cdGrad.fill(1)
        let unblocked = forward(model, p, x, noise, PassOptions())
        let lsAllOnes = forward(model, p, x, noise, surrogate)
        noise.cdGrad.copy(from: drawnG)

        #expect(abs(real.total - unblocked.total) <= 1e-13 * abs(unblocked.total), "L \(real.total) vs unblocked \(unblocked.total)")
        #expect(abs(real.recon - unblocked.recon) <= 1e-13 * abs(unblocked.recon))
        #expect(abs(real.total - ls.total) > 1e-3 * abs(real.total), "L_s \(ls.total) should differ from L \(real.total)")
        // With G ≡ 1 the surrogate is the loss itself.
        #expect(abs(lsAllOnes.total - unblocked.total) <= 1e-13 * abs(unblocked.total))
        // Blocking changes only the reconstruction value; KL and L2 are the same in L and L_s.
        #expect(real.klIc == ls.klIc && real.klCo == ls.klCo && real.l2 == ls.l2)
    }
}

func failureSummary(_ r: GradientCheckReport) -> String {
    r.tensors.filter { !$0.passed }
        .map { "\($0.name): \($0.failures)/\($0.count) fail, max |Δ| \($0.maxAbsError), max rel \($0.maxRelError)" }
        .joined(separator: "; ")
}

private func forward(_ m: LFADSModel<Double>, _ p: [Double], _ x: [Double], _ n: NoiseBundle<Double>,
                     _ o: PassOptions) -> LossTerms {
    p.withUnsafeBufferPointer { pp in
        x.withUnsafeBufferPointer { m.forward(params: pp.baseAddress!, x: $0.baseAddress!, noise: n, weights: .full, options: o) }
    }
}
