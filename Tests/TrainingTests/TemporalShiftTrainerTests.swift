import Foundation
import Testing
import LFADS
@testable import Training

/// Temporal shift in the trainer (docs/model.md §17): training steps only.
struct TemporalShiftTrainerTests {
    static func hp(max: Int, std: Double) -> Hyperparameters {
        var hp = TinyTrainer.hyperparameters()
        hp.seqLen = 8; hp.svRate = 0.2; hp.cdRate = 0.3
        hp.temporalShiftMax = max; hp.temporalShiftStd = std
        return hp
    }

    static func epoch(_ hp: Hyperparameters) throws -> (params: [Float], rec: EpochRecord, valid: EpochRecord) {
        let trainer = Trainer(hp: hp, data: TinyTrainer.data(hp, train: 6, valid: 3))
        var state = TrainerState(hp: hp, params: Initialization.parameters(hp, seed: 1))
        let rec = try trainer.trainEpoch(&state)
        var valid = EpochRecord()
        try trainer.validate(&state, &valid)
        return (state.params, rec, valid)
    }

    /// std = 0 trains the unshifted model bit for bit; std > 0 trains another one, while
    /// validation of the same parameters is untouched by the shift.
    @Test func zeroStdIsTheBaseTrainerAndValidationIsNeverShifted() throws {
        let off = try Self.epoch(Self.hp(max: 0, std: 3)), zero = try Self.epoch(Self.hp(max: 3, std: 0))
        #expect(off.params.map(\.bitPattern) == zero.params.map(\.bitPattern))
        #expect(off.rec.trainTotal == zero.rec.trainTotal)
        let on = try Self.epoch(Self.hp(max: 3, std: 2))
        #expect(on.params != off.params)
        #expect(on.rec.trainTotal != off.rec.trainTotal)
        // The same parameters validated by a shifting and a non-shifting trainer.
        for hp in [Self.hp(max: 0, std: 3), Self.hp(max: 3, std: 2)] {
            let t = Trainer(hp: hp, data: TinyTrainer.data(hp, train: 6, valid: 3))
            var state = TrainerState(hp: hp, params: on.params)
            var v = EpochRecord()
            try t.validate(&state, &v)
            #expect(v.validTotal == on.valid.validTotal && v.validRecon == on.valid.validRecon)
        }
    }

    /// SBTT: the normaliser n_O the trainer counts for a minibatch from the split and the keyed
    /// shifts is the number of non-NaN elements of the shifted targets the step trains on.
    @Test func observedCountIsThatOfTheShiftedTargets() {
        var hp = Self.hp(max: 4, std: 2.5)
        hp.sbtt = 1; hp.forwardBins = 2; hp.dataDim = 3; hp.heldoutNeurons = 1
        let full = TinyTrainer.data(hp, train: 6, valid: 3)
        var r = SplitMix64(state: 5)
        let counts = full.train.counts.map { r.uniform() < 0.3 ? Float.nan : $0 }
        let train = SplitData(counts: counts, trials: 6, inds: full.train.inds, splitID: 0)
        let trainer = Trainer(hp: hp, data: TrainingData(train: train, valid: full.valid, T: full.T, N: full.N))
        let batch = [4, 1, 5]
        var x: [Float] = []
        train.gather(batch, T: hp.seqLen, N: hp.dataDim, into: &x)
        let unshifted = x.filter { !$0.isNaN }.count
        let noise = NoiseBundle<Float>(Dims(hp, batch: 3))
        noise.draw(hp, trials: batch.map { train.inds[$0] }, epoch: 2, step: 1, kind: .training)
        x.withUnsafeMutableBufferPointer { noise.applyTemporalShift(hp, trials: batch.map { train.inds[$0] }, epoch: 2, step: 1, x: $0.baseAddress!) }
        let n = trainer.shiftedObserved(batch, epoch: 2, step: 1)
        #expect(n.all == x.filter { !$0.isNaN }.count)
        #expect(n.all != unshifted)
        var visible = 0
        for t in 0..<(hp.seqLen - 2) { for b in 0..<3 { for j in 0..<2 where !x[(t * 3 + b) * 3 + j].isNaN { visible += 1 } } }
        #expect(n.visible == visible)
    }
}
