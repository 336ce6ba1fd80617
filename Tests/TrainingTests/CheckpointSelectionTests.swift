import LFADS
import Testing
@testable import Training

/// The LVE checkpoint and the stop rules of docs/model.md §8: a checkpoint only at full ramp
/// weights and a new lowest smoothed validation NLL; early stop once the ramps are done and the
/// checkpoint is more than early_stop_patience epochs old; the epoch limit.
struct CheckpointSelectionTests {
    static func hp(rampEpochs: Int = 3, patience: Int = 2, maxEpochs: Int = 1000) -> Hyperparameters {
        var hp = TinyTrainer.hyperparameters()
        hp.klIncreaseEpoch = rampEpochs; hp.l2IncreaseEpoch = rampEpochs
        hp.earlyStopPatience = patience; hp.maxEpochs = maxEpochs
        return hp
    }

    @Test func noCheckpointIsTakenWhileARampIsBelowOne() {
        var hp = Self.hp()
        hp.l2IncreaseEpoch = 0                    // L2 at full weight at once, KL still ramping
        let (trainer, start) = TinyTrainer.make(hp)
        var state = start
        // The smoothed NLL falls every epoch, but w_kl reaches 1 only at epoch 3.
        TinyTrainer.feed(trainer, &state, (0..<3).map { TinyTrainer.record(hp, epoch: $0, smoothed: 1 - 0.1 * Double($0)) })
        #expect(state.bestEpoch == -1 && state.bestParams == nil)
        #expect(state.selected.rule == "final_model (ramps never completed)")
        #expect(state.selected.epoch == 2)
        TinyTrainer.feed(trainer, &state, [TinyTrainer.record(hp, epoch: 3, smoothed: 0.9)])
        #expect(state.bestEpoch == 3 && state.bestValue == 0.9)
    }

    @Test func theCheckpointKeepsTheParametersOfTheLowestSmoothedEpoch() {
        let hp = Self.hp(rampEpochs: 0, patience: 100)
        let (trainer, start) = TinyTrainer.make(hp)
        var state = start
        var kept: [Float] = []
        for (e, v) in [0.8, 0.6, 0.7, 0.6, 0.65].enumerated() {
            state.params[0] = Float(e)                     // mark the parameters of each epoch
            if e == 1 { kept = state.params }
            TinyTrainer.feed(trainer, &state, [TinyTrainer.record(hp, epoch: e, smoothed: v)])
        }
        // Epoch 3 only ties epoch 1's 0.6: a checkpoint needs a strictly lower value.
        #expect(state.bestEpoch == 1 && state.bestValue == 0.6)
        #expect(state.bestParams == kept)
        #expect(state.selected.rule == "lve_checkpoint" && state.selected.epoch == 1 && state.selected.params == kept)
    }

    @Test func earlyStopFiresOnlyWhenTheCheckpointIsOlderThanThePatience() {
        let hp = Self.hp(rampEpochs: 0, patience: 2)
        let (trainer, start) = TinyTrainer.make(hp)
        var state = start
        // Best at epoch 1; epoch 3 is 2 epochs later (= patience, goes on), epoch 4 is 3 later.
        TinyTrainer.feed(trainer, &state, [0.5, 0.4, 0.45, 0.45].enumerated().map { TinyTrainer.record(hp, epoch: $0, smoothed: $1) })
        #expect(state.stopReason == nil)
        TinyTrainer.feed(trainer, &state, [TinyTrainer.record(hp, epoch: 4, smoothed: 0.45)])
        #expect(state.stopReason == .earlyStop)
        #expect(state.bestEpoch == 1)
    }

    @Test func earlyStopNeedsACheckpointAndTheRampsDone() {
        // Ramps end at epoch 10: the first checkpoint is at 10, so no early stop before 13 even
        // though patience 2 has long passed since epoch 0.
        let hp = Self.hp(rampEpochs: 10, patience: 2)
        let (trainer, start) = TinyTrainer.make(hp)
        var state = start
        TinyTrainer.feed(trainer, &state, (0..<13).map { TinyTrainer.record(hp, epoch: $0, smoothed: 1) })
        #expect(state.stopReason == nil && state.bestEpoch == 10)
        TinyTrainer.feed(trainer, &state, [TinyTrainer.record(hp, epoch: 13, smoothed: 1)])
        #expect(state.stopReason == .earlyStop)
    }

    /// A state can carry a checkpoint from before its ramps ended (a resumed PBT member whose
    /// ramp length was explored); the rule still waits for this run's ramps.
    @Test func earlyStopWaitsForTheRampsEvenWithAnEarlierCheckpoint() {
        let hp = Self.hp(rampEpochs: 10, patience: 2)
        let (trainer, start) = TinyTrainer.make(hp)
        var state = start
        state.bestEpoch = 0; state.bestValue = 0; state.bestParams = state.params
        TinyTrainer.feed(trainer, &state, (0..<10).map { TinyTrainer.record(hp, epoch: $0, smoothed: 1) })
        #expect(state.stopReason == nil)
        TinyTrainer.feed(trainer, &state, [TinyTrainer.record(hp, epoch: 10, smoothed: 1)])
        #expect(state.stopReason == .earlyStop)
    }

    @Test func maxEpochsStopsAfterTheLastEpoch() {
        let hp = Self.hp(rampEpochs: 0, patience: 100, maxEpochs: 3)
        let (trainer, start) = TinyTrainer.make(hp)
        var state = start
        TinyTrainer.feed(trainer, &state, (0..<2).map { TinyTrainer.record(hp, epoch: $0, smoothed: 1 - Double($0)) })
        #expect(state.stopReason == nil)
        TinyTrainer.feed(trainer, &state, [TinyTrainer.record(hp, epoch: 2, smoothed: -1)])
        #expect(state.stopReason == .maxEpochs)
        #expect(state.bestEpoch == 2, "the last epoch can still be the checkpoint")
    }
}
