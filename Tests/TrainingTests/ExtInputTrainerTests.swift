import LFADS
import Testing
@testable import Training

/// External inputs (docs/model.md §16) in the trainer: each pass reads its own split's inputs.
struct ExtInputTrainerTests {
    static func hp() -> Hyperparameters {
        var hp = TinyTrainer.hyperparameters()
        hp.extInputDim = 2
        return hp
    }

    /// The tiny data with inputs: train and valid trials get different inputs, so a pass that read
    /// the other split's would change its loss.
    static func data(_ hp: Hyperparameters, trainExt: Float, validExt: Float) -> TrainingData {
        let d = TinyTrainer.data(hp)
        func with(_ s: SplitData, _ v: Float) -> SplitData {
            let n = s.trials * hp.seqLen * hp.extInputDim
            return SplitData(counts: s.counts, trials: s.trials, inds: s.inds, splitID: s.splitID,
                             ext: (0..<n).map { Float($0 % 3) * v })
        }
        return TrainingData(train: with(d.train, trainExt), valid: with(d.valid, validExt), T: d.T, N: d.N)
    }

    func validLoss(_ data: TrainingData) throws -> Double {
        let hp = Self.hp()
        let trainer = Trainer(hp: hp, data: data)
        var state = TrainerState(hp: hp, params: Initialization.parameters(hp, seed: 1))
        var rec = EpochRecord()
        try trainer.validate(&state, &rec)
        return rec.validTotal
    }

    func trainLoss(_ data: TrainingData) throws -> Double {
        let hp = Self.hp()
        let trainer = Trainer(hp: hp, data: data)
        var state = TrainerState(hp: hp, params: Initialization.parameters(hp, seed: 1))
        _ = try trainer.trainStep(&state, batch: [0, 1], epoch: 0, step: 0, weights: .full)
        return trainer.stepTerms[0]
    }

    @Test func validationReadsTheValidInputsAndTrainingTheTrainInputs() throws {
        let hp = Self.hp()
        let a = Self.data(hp, trainExt: 0, validExt: 1), b = Self.data(hp, trainExt: 1, validExt: 1)
        let c = Self.data(hp, trainExt: 0, validExt: 0)
        #expect(try validLoss(a) == validLoss(b), "train inputs must not reach validation")
        #expect(try validLoss(a) != validLoss(c), "validation must read the valid inputs")
        #expect(try trainLoss(a) == trainLoss(c), "valid inputs must not reach training")
        #expect(try trainLoss(a) != trainLoss(b), "training must read the train inputs")
    }
}
