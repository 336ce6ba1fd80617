import Foundation
import Testing
import LFADS
@testable import Training

/// The posterior outputs of a non-Poisson model (docs/model.md §14): its NLL is the mean ℓ over
/// every element of the split whatever the chunking, and its rates are the mean m(θ).
struct ObservationPosteriorTests {
    static func problem() -> (Hyperparameters, [Float], SplitData) {
        var hp = GradientCheck.tinyHyperparameters()
        hp.recon = "zig"; hp.dataDim = 4; hp.seqLen = 6; hp.heldoutNeurons = 1
        var r = keyedStream(seed: 11, .testData)
        let K = 7
        let x = (0..<(K * hp.seqLen * hp.dataDim)).map { _ in Float(GradientCheck.sampleData(hp, &r)) }
        let p = Initialization.parameters(hp, seed: 5, as: Float.self)
        return (hp, p, SplitData(counts: x, trials: K, inds: Array(10..<17), splitID: 1))
    }

    @Test func modelNLLDoesNotDependOnTheChunking() {
        let (hp, p, split) = Self.problem()
        let whole = inferPosterior(hp: hp, params: p, split: split, T: hp.seqLen, N: hp.dataDim,
                                   estimator: .posteriorMean, batchSize: 7)
        let chunked = inferPosterior(hp: hp, params: p, split: split, T: hp.seqLen, N: hp.dataDim,
                                     estimator: .posteriorMean, batchSize: 3)
        #expect(whole.modelNLL.isFinite && whole.modelHeldInNLL.isFinite)
        #expect(abs(whole.modelNLL - chunked.modelNLL) < 1e-6 * abs(whole.modelNLL), "\(whole.modelNLL) vs \(chunked.modelNLL)")
        #expect(abs(whole.modelHeldInNLL - chunked.modelHeldInNLL) < 1e-6 * abs(whole.modelHeldInNLL))
        #expect(whole.modelNLL != whole.modelHeldInNLL, "the held-out neuron is in one and not the other")
        // With the freshly initialised read-out (θ ≈ 0, K = 20) the mean is σ(0)(1 + loc) in most places.
        #expect(whole.rates.allSatisfy { $0.isFinite && $0 > 0 })
        let poisson = inferPosterior(hp: { var h = hp; h.recon = "poisson"; return h }(), params: Initialization.parameters(
            { var h = hp; h.recon = "poisson"; return h }(), seed: 5, as: Float.self), split: split, T: hp.seqLen, N: hp.dataDim,
            estimator: .posteriorMean)
        #expect(poisson.modelNLL.isNaN, "Poisson's NLL comes from its rates, not from here")
    }
}
