import Foundation
import Testing
import LFADS
@testable import Training

/// SBTT in the trainer and the metrics (docs/model.md §15).
struct SBTTTrainerTests {
    /// A minibatch with nothing observed is skipped on every rank, with a warning: no Adam step.
    @Test func stepWithNoObservedElementIsSkipped() throws {
        var hp = TinyTrainer.hyperparameters()
        hp.sbtt = 1
        let full = TinyTrainer.data(hp)
        let missing = SplitData(counts: full.train.counts.map { _ in .nan }, trials: full.train.trials,
                                inds: full.train.inds, splitID: 0)
        let trainer = Trainer(hp: hp, data: TrainingData(train: missing, valid: full.valid, T: full.T, N: full.N))
        var state = TrainerState(hp: hp, params: Initialization.parameters(hp, seed: 1))
        let before = state.params
        _ = try trainer.trainEpoch(&state)
        #expect(state.stopReason == nil)
        #expect(state.params == before)
        #expect(trainer.skippedSteps.count == trainer.minibatches(epoch: 0).count)
        #expect(trainer.skippedSteps.first == "epoch 0, step 0: minibatch has no observed element; step skipped (sbtt)")
    }

    /// With some elements observed the step runs and is finite.
    @Test func stepWithMissingElementsTrains() throws {
        var hp = TinyTrainer.hyperparameters()
        hp.sbtt = 1
        let full = TinyTrainer.data(hp)
        let counts = full.train.counts.enumerated().map { $0.offset % 3 == 0 ? Float.nan : $0.element }
        let train = SplitData(counts: counts, trials: full.train.trials, inds: full.train.inds, splitID: 0)
        let trainer = Trainer(hp: hp, data: TrainingData(train: train, valid: full.valid, T: full.T, N: full.N))
        var state = TrainerState(hp: hp, params: Initialization.parameters(hp, seed: 1))
        let before = state.params
        let rec = try trainer.trainEpoch(&state)
        #expect(trainer.skippedSteps.isEmpty)
        #expect(rec.trainTotal.isFinite && state.params != before)
    }

    /// NLL and bits/spike skip a missing element exactly as if it were not in the arrays.
    @Test func metricsSkipMissingElements() {
        let counts: [Float] = [0, 2, 1, 3, 0, 1], rates: [Float] = [0.5, 1.5, 1, 2, 0.2, 0.9]
        var withMissing = counts
        withMissing[3] = .nan
        let keep = [0, 1, 2, 4, 5]
        let kept = keep.map { counts[$0] }, keptRates = keep.map { rates[$0] }
        #expect(Metrics.poissonNLL(counts: withMissing, rates: rates) == Metrics.poissonNLL(counts: kept, rates: keptRates))
        #expect(Metrics.bitsPerSpike(counts: withMissing, rates: rates, neurons: 1)
                == Metrics.bitsPerSpike(counts: kept, rates: keptRates, neurons: 1))
    }

    /// Smoothed spikes (PSTH R² without truth) leave a missing element out and give its kernel
    /// weight to the observed ones: on constant counts the result is the full data's.
    @Test func smoothingFillsMissingElementsFromTheirNeighbours() {
        let T = 20, full = [Float](repeating: 2, count: T)
        var gappy = full
        gappy[7] = .nan; gappy[8] = .nan
        let a = Metrics.gaussianSmoothed(full, T: T, N: 1, sdBins: 2)
        let b = Metrics.gaussianSmoothed(gappy, T: T, N: 1, sdBins: 2)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? .nan
        #expect(worst < 1e-12)
    }
}
