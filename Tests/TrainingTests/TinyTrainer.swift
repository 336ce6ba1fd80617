import LFADS
@testable import Training

/// A trainer small enough to build in microseconds, for tests of the epoch-level rules
/// (schedules, checkpoint selection, stopping) that feed it hand-made epoch records.
enum TinyTrainer {
    static func hyperparameters() -> Hyperparameters {
        var hp = Hyperparameters()
        hp.dataDim = 2; hp.seqLen = 3
        hp.icEncDim = 2; hp.ciEncDim = 2; hp.conDim = 2; hp.coDim = 1
        hp.icDim = 2; hp.genDim = 2; hp.facDim = 2
        hp.batchSize = 2
        hp.klStartEpoch = 0; hp.klIncreaseEpoch = 0; hp.l2StartEpoch = 0; hp.l2IncreaseEpoch = 0
        return hp
    }

    /// Poisson(1) counts for `train` and `valid` trials of the hyperparameters' shape.
    static func data(_ hp: Hyperparameters, train: Int = 4, valid: Int = 2) -> TrainingData {
        var r = SplitMix64(state: 11)
        func split(_ k: Int, _ id: Int, first: Int) -> SplitData {
            SplitData(counts: (0..<(k * hp.seqLen * hp.dataDim)).map { _ in Float(r.poisson(1)) },
                      trials: k, inds: Array(first..<(first + k)), splitID: id)
        }
        return TrainingData(train: split(train, 0, first: 0), valid: split(valid, 1, first: train),
                            T: hp.seqLen, N: hp.dataDim)
    }

    static func make(_ hp: Hyperparameters) -> (Trainer, TrainerState) {
        let trainer = Trainer(hp: hp, data: data(hp))
        return (trainer, TrainerState(hp: hp, params: Initialization.parameters(hp, seed: 1)))
    }

    /// The record of epoch `e` with the given validation losses and the epoch's ramp weights.
    static func record(_ hp: Hyperparameters, epoch e: Int, smoothed: Double = 1, total: Double = 1) -> EpochRecord {
        var r = EpochRecord()
        let w = hp.lossWeights(epoch: e)
        r.epoch = e; r.klWeight = w.kl; r.l2Weight = w.l2
        r.validReconSmoothed = smoothed; r.validTotal = total
        return r
    }

    /// Feeds one record per epoch, as Trainer.run does after each validation pass; stops at the
    /// first stop reason. Returns the learning rate after each epoch.
    @discardableResult
    static func feed(_ trainer: Trainer, _ state: inout TrainerState, _ records: [EpochRecord]) -> [Double] {
        var lrs: [Double] = []
        for r in records where state.stopReason == nil {
            trainer.applyStopRules(&state, r)
            state.epoch = r.epoch + 1
            lrs.append(state.lr)
        }
        return lrs
    }
}
