import Foundation
import LFADS

/// Key offsets that keep validation and sampling draws apart from the training steps' draws.
enum StreamStep {
    static let validation: Int = 1 << 32
    static let posterior: Int = 1 << 33
}

/// Trains one LFADS model (lfads-model.md §5–8) on a model group's ranks; every rank runs this.
public final class Trainer {
    public let hp: Hyperparameters
    public let data: TrainingData
    public let comm: Communicator
    let svTrain: [[Float]]?, svValid: [[Float]]?
    var models: [Int: (LFADSModel<Float>, NoiseBundle<Float>)] = [:]
    var x: [Float] = []
    var grads: [Float]

    public init(hp: Hyperparameters, data: TrainingData, comm: Communicator = SingleProcess()) {
        self.hp = hp; self.data = data; self.comm = comm
        if hp.svRate > 0 {
            svTrain = data.train.inds.map { sampleValidationMask(hp, split: 0, trialIndex: $0) }
            svValid = data.valid.inds.map { sampleValidationMask(hp, split: 1, trialIndex: $0) }
        } else { svTrain = nil; svValid = nil }
        grads = [Float](repeating: 0, count: ParameterLayout(hp).count)
    }

    func model(batch B: Int) -> (LFADSModel<Float>, NoiseBundle<Float>) {
        if let m = models[B] { return m }
        let m = LFADSModel<Float>(hp: hp, batch: B)
        let entry = (m, NoiseBundle<Float>(m.dims))
        models[B] = entry
        return entry
    }

    /// The epoch's minibatches as positions in the train split: a seeded shuffle, ⌊E/B⌋ full batches
    /// (one batch of all E when E < B).
    public func minibatches(epoch: Int) -> [[Int]] {
        let E = data.train.trials, B = hp.batchSize
        var order = Array(0..<E)
        var r = keyedStream(seed: UInt64(hp.seed), .shuffle, UInt64(epoch))
        shuffle(&order, using: &r)
        if E < B { return [order] }
        return (0..<(E / B)).map { Array(order[($0 * B)..<(($0 + 1) * B)]) }
    }

    /// Runs epochs until a stop rule fires, `shouldStop` asks to stop, or the state is already finished.
    /// Calls `onEpoch` after each completed epoch (for progress output and checkpoints).
    public func run(_ state: inout TrainerState, shouldStop: () -> Bool = { false },
                    onEpoch: (TrainerState, EpochRecord) throws -> Void = { _, _ in }) throws {
        while state.stopReason == nil {
            if shouldStop() { state.stopReason = .interrupted; break }
            let start = Date()
            var rec = try trainEpoch(&state)
            if state.stopReason == .diverged { try onEpoch(state, rec); break }
            try validate(&state, &rec)
            rec.seconds = Date().timeIntervalSince(start)
            rec.trialsPerSecond = Double(minibatches(epoch: state.epoch).reduce(0) { $0 + $1.count }) / max(rec.seconds, 1e-9)
            state.elapsedSeconds += rec.seconds
            state.history.append(rec)
            applyStopRules(&state, rec)
            state.epoch += 1
            try onEpoch(state, rec)
        }
    }

    /// One pass over the training minibatches; sums each step's loss terms over the group.
    func trainEpoch(_ state: inout TrainerState) throws -> EpochRecord {
        let e = state.epoch
        let w = hp.lossWeights(epoch: e)
        var rec = EpochRecord()
        rec.epoch = e; rec.lr = state.lr; rec.klWeight = w.kl; rec.l2Weight = w.l2
        let batches = minibatches(epoch: e)
        var sums = [Double](repeating: 0, count: 6)
        for (step, batch) in batches.enumerated() {
            let mine = Array(batch[comm.share(of: batch.count)])
            var terms = [Double](repeating: 0, count: 6)
            for i in grads.indices { grads[i] = 0 }
            if !mine.isEmpty {
                let (m, noise) = model(batch: mine.count)
                data.train.gather(mine, T: data.T, N: data.N, into: &x)
                noise.draw(hp, trials: mine.map { data.train.inds[$0] }, epoch: e, step: step, kind: .training,
                           svMasks: svTrain.map { sv in mine.map { sv[$0] } })
                var opts = PassOptions()
                opts.normTrials = batch.count
                opts.includeParameterTerms = comm.rank == 0
                let t = state.params.withUnsafeBufferPointer { p in
                    x.withUnsafeBufferPointer { xp in
                        let t = m.forward(params: p.baseAddress!, x: xp.baseAddress!, noise: noise, weights: w, options: opts)
                        grads.withUnsafeMutableBufferPointer { g in
                            m.backward(params: p.baseAddress!, grads: g.baseAddress!, x: xp.baseAddress!, noise: noise,
                                       weights: w, options: opts, scale: hp.lossScale)
                        }
                        return t
                    }
                }
                // Per-trial terms are summed over ranks; the parameter-only L2 is counted on rank 0 only.
                let l2 = comm.rank == 0 ? t.l2 : 0
                let l2Part = w.l2 * t.l2
                terms = [t.total - l2Part + (comm.rank == 0 ? l2Part : 0), t.recon, t.klIc, t.klCo, l2,
                         t.svNll.isNaN ? 0 : t.svNll]
            }
            try comm.allreduceSum(&grads)
            try comm.allreduceSum(&terms)
            let norm = clipGlobalNorm(&grads, maxNorm: hp.maxGradNorm)
            if !terms[0].isFinite || !norm.isFinite {
                state.stopReason = .diverged
                state.stopDetail = "non-finite loss or gradient at epoch \(e), step \(step) (loss \(terms[0]), grad norm \(norm))"
                return rec
            }
            state.adam.update(&state.params, grads: grads, lr: state.lr, hp: hp)
            for i in 0..<6 { sums[i] += terms[i] }
            rec.gradNorm += norm / Double(batches.count)
        }
        let n = Double(batches.count)
        rec.trainTotal = sums[0] / n; rec.trainRecon = sums[1] / n; rec.trainKlIc = sums[2] / n
        rec.trainKlCo = sums[3] / n; rec.trainL2 = sums[4] / n
        if hp.svRate > 0 { rec.sampValidTrain = sums[5] / n }
        return rec
    }

    /// The validation pass (§8): one posterior sample, dropout and CD off, SV on; trial-weighted.
    func validate(_ state: inout TrainerState, _ rec: inout EpochRecord) throws {
        let w = hp.lossWeights(epoch: state.epoch)
        let K = data.valid.trials
        let mine = Array(comm.share(of: K))
        var sums = [Double](repeating: 0, count: 3)   // Σ_k total, recon, svNll weighted by trials
        var start = 0
        while start < mine.count {
            let rows = Array(mine[start..<min(start + hp.batchSize, mine.count)])
            start += rows.count
            let (m, noise) = model(batch: rows.count)
            data.valid.gather(rows, T: data.T, N: data.N, into: &x)
            noise.draw(hp, trials: rows.map { data.valid.inds[$0] }, epoch: state.epoch, step: StreamStep.validation,
                       kind: .sampling, svMasks: svValid.map { sv in rows.map { sv[$0] } })
            let t = state.params.withUnsafeBufferPointer { p in
                x.withUnsafeBufferPointer { xp in
                    m.forward(params: p.baseAddress!, x: xp.baseAddress!, noise: noise, weights: w)
                }
            }
            let wt = Double(rows.count)
            sums[0] += wt * t.total; sums[1] += wt * t.recon; sums[2] += wt * (t.svNll.isNaN ? 0 : t.svNll)
        }
        try comm.allreduceSum(&sums)
        rec.validTotal = sums[0] / Double(K)
        rec.validRecon = sums[1] / Double(K)
        if hp.svRate > 0 { rec.sampValidValid = sums[2] / Double(K) }

        let prev = state.history.last
        let a = hp.smoothCoef
        func ema(_ v: Double, _ old: Double?) -> Double { old.map { (1 - a) * $0 + a * v } ?? v }
        rec.validReconSmoothed = ema(rec.validRecon, prev?.validReconSmoothed)
        if hp.svRate > 0 {
            rec.sampValidTrainSmoothed = ema(rec.sampValidTrain, prev?.sampValidTrainSmoothed)
            rec.sampValidValidSmoothed = ema(rec.sampValidValid, prev?.sampValidValidSmoothed)
        }
        if !rec.validTotal.isFinite {
            state.stopReason = .diverged
            state.stopDetail = "non-finite validation loss at epoch \(state.epoch)"
        }
    }

    /// LVE checkpoint, plateau LR, early stop, wall clock and epoch limit, in the order of §8.
    func applyStopRules(_ state: inout TrainerState, _ rec: EpochRecord) {
        let e = rec.epoch
        if rec.klWeight == 1, rec.l2Weight == 1, rec.validReconSmoothed < state.bestValue {
            state.bestValue = rec.validReconSmoothed
            state.bestEpoch = e
            state.bestParams = state.params
        }
        if state.stopReason != nil { return }
        if hp.lrSchedule == "plateau" && e >= hp.rampsEndEpoch {
            let H = state.plateau
            if H.count >= hp.lrPatience && rec.validTotal > H.suffix(hp.lrPatience).max()! {
                state.lr *= hp.lrDecay
                state.plateau.append(.infinity)
            } else {
                state.plateau.append(rec.validTotal)
            }
            if state.lr < hp.lrStop { state.stopReason = .lrStop; return }
        }
        if e >= hp.rampsEndEpoch, state.bestEpoch >= 0, e - state.bestEpoch > hp.earlyStopPatience {
            state.stopReason = .earlyStop; return
        }
        if hp.maxMinutes > 0, state.elapsedSeconds > hp.maxMinutes * 60 { state.stopReason = .maxMinutes; return }
        if e + 1 >= hp.maxEpochs { state.stopReason = .maxEpochs }
    }
}

/// Fisher–Yates with unbiased bounded integers by rejection, so the order is platform-independent.
public func shuffle<R: RandomNumberGenerator>(_ a: inout [Int], using r: inout R) {
    guard a.count > 1 else { return }
    for i in stride(from: a.count - 1, to: 0, by: -1) {
        let j = boundedRandom(i + 1, using: &r)
        a.swapAt(i, j)
    }
}

/// Uniform in 0..<n without modulo bias.
public func boundedRandom<R: RandomNumberGenerator>(_ n: Int, using r: inout R) -> Int {
    let bound = UInt64(n)
    let limit = UInt64.max - UInt64.max % bound
    while true {
        let v = r.next()
        if v < limit { return Int(v % bound) }
    }
}
