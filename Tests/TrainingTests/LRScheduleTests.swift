import LFADS
import Testing
@testable import Training

/// Both learning-rate schedules of docs/model.md §8: "constant" never changes lr; "plateau" is
/// TF's rule over the list H of valid_total values, applied only once the ramps are done.
struct LRScheduleTests {
    static func plateauHP(patience: Int = 2, rampEpochs: Int = 0) -> Hyperparameters {
        var hp = TinyTrainer.hyperparameters()
        hp.lrSchedule = "plateau"
        hp.lr = 0.01; hp.lrDecay = 0.5; hp.lrPatience = patience; hp.lrStop = 1e-6
        hp.klIncreaseEpoch = rampEpochs; hp.l2IncreaseEpoch = rampEpochs
        return hp
    }

    @Test func constantNeverChangesTheRate() {
        var hp = TinyTrainer.hyperparameters()
        hp.lr = 0.01
        let (trainer, start) = TinyTrainer.make(hp)
        var state = start
        // A validation loss that only rises would decay a plateau schedule every few epochs.
        let lrs = TinyTrainer.feed(trainer, &state, (0..<20).map { TinyTrainer.record(hp, epoch: $0, total: Double($0)) })
        #expect(lrs == [Double](repeating: 0.01, count: 20))
        #expect(state.plateau.isEmpty)
        #expect(state.stopReason == nil)
    }

    /// With patience 2: lr decays when valid_total exceeds the max of the last two entries of H,
    /// and a decay appends +∞, so the next two epochs cannot decay again.
    @Test func plateauFollowsTheRuleEpochByEpoch() {
        let hp = Self.plateauHP()
        let (trainer, start) = TinyTrainer.make(hp)
        var state = start
        let totals = [1.0, 0.9, 0.95, 1.0, 1.1, 1.2, 1.3, 1.4, 1.4]
        let lrs = TinyTrainer.feed(trainer, &state, totals.enumerated().map { TinyTrainer.record(hp, epoch: $0, total: $1) })
        // H after each epoch: [1], [1, .9], [1, .9, .95], [.., ∞] (1.0 > .95), [.., ∞, 1.1] (max ∞),
        // [.., ∞, 1.1, 1.2] (max ∞), [.., ∞] (1.3 > max(1.1, 1.2)), [.., ∞, 1.4], [.., ∞, 1.4, 1.4].
        let wantLR: [Double] = [0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.0025, 0.0025, 0.0025]
        let wantH: [Double] = [1.0, 0.9, 0.95, .infinity, 1.1, 1.2, .infinity, 1.4, 1.4]
        #expect(lrs == wantLR, "\(lrs)")
        #expect(state.plateau == wantH, "\(state.plateau)")
    }

    @Test func aValueEqualToTheRecentMaximumDoesNotDecay() {
        let hp = Self.plateauHP()
        let (trainer, start) = TinyTrainer.make(hp)
        var state = start
        let lrs = TinyTrainer.feed(trainer, &state, [1.0, 0.5, 1.0].enumerated().map { TinyTrainer.record(hp, epoch: $0, total: $1) })
        #expect(lrs == [0.01, 0.01, 0.01])
    }

    @Test func plateauWaitsForTheRampsToEnd() {
        let hp = Self.plateauHP(rampEpochs: 5)   // rampsEndEpoch = 5
        let (trainer, start) = TinyTrainer.make(hp)
        var state = start
        let lrs = TinyTrainer.feed(trainer, &state, (0..<8).map { TinyTrainer.record(hp, epoch: $0, total: Double($0)) })
        // Nothing is recorded before epoch 5; from then on, 5 and 6 fill H and 7 (7 > 6) decays.
        let wantLR: [Double] = [0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.005], wantH: [Double] = [5, 6, .infinity]
        #expect(lrs == wantLR, "\(lrs)")
        #expect(state.plateau == wantH)
    }

    @Test func plateauStopsWhenTheRateFallsBelowLrStop() {
        var hp = Self.plateauHP(patience: 1)
        hp.lrStop = 0.003                         // 0.01 → 0.005 → 0.0025 < 0.003
        let (trainer, start) = TinyTrainer.make(hp)
        var state = start
        let lrs = TinyTrainer.feed(trainer, &state, (0..<10).map { TinyTrainer.record(hp, epoch: $0, total: Double($0)) })
        // e0 appends; e1 > 0 decays (∞); e2 ≤ ∞; e3 > 2 decays below lr_stop.
        let wantLR: [Double] = [0.01, 0.005, 0.005, 0.0025]
        #expect(lrs == wantLR, "\(lrs)")
        #expect(state.stopReason == .lrStop)
    }
}
