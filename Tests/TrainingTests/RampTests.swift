import LFADS
import Testing
@testable import Training

/// The KL and L2 ramps of docs/model.md §5: w(e) = clip((e − start + 1)/(increase + 1), 0, 1),
/// each with its own start and length, constant over an epoch.
struct RampTests {
    @Test func defaultRampsReachOneAtEpochEighty() {
        let hp = Hyperparameters()
        let w: [Double] = [0, 1, 79, 80, 500].map { hp.lossWeights(epoch: $0).kl }
        let want: [Double] = [1.0 / 81, 2.0 / 81, 80.0 / 81, 1, 1]
        #expect(w == want)
        #expect(hp.rampsEndEpoch == 80)
    }

    @Test func klAndL2RampFromTheirOwnStart() {
        var hp = Hyperparameters()
        hp.klStartEpoch = 10; hp.klIncreaseEpoch = 4
        hp.l2StartEpoch = 2; hp.l2IncreaseEpoch = 1
        let kl: [Double] = [9, 10, 13, 14].map { hp.lossWeights(epoch: $0).kl }
        let l2: [Double] = [0, 1, 2, 3].map { hp.lossWeights(epoch: $0).l2 }
        let wantKL: [Double] = [0, 1.0 / 5, 4.0 / 5, 1], wantL2: [Double] = [0, 0, 1.0 / 2, 1]
        #expect(kl == wantKL)
        #expect(l2 == wantL2)
        #expect(hp.rampsEndEpoch == 14)
    }

    @Test func aZeroLengthRampIsFullFromItsStart() {
        #expect(rampWeight(epoch: 2, start: 3, increase: 0) == 0)
        #expect(rampWeight(epoch: 3, start: 3, increase: 0) == 1)
    }

    /// Training records the weights each epoch ran with (the ones its steps and validation used).
    @Test func theTrainerRunsEachEpochAtItsRampWeights() throws {
        var hp = TinyTrainer.hyperparameters()
        hp.klStartEpoch = 1; hp.klIncreaseEpoch = 2; hp.l2StartEpoch = 0; hp.l2IncreaseEpoch = 1
        hp.maxEpochs = 4
        let (trainer, start) = TinyTrainer.make(hp)
        var state = start
        try trainer.run(&state)
        let kl: [Double] = state.history.map(\.klWeight), l2: [Double] = state.history.map(\.l2Weight)
        let wantKL: [Double] = [0, 1.0 / 3, 2.0 / 3, 1], wantL2: [Double] = [0.5, 1, 1, 1]
        #expect(kl == wantKL)
        #expect(l2 == wantL2)
    }
}
