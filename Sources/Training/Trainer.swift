import Foundation
import LFADS

/// Key offsets that keep validation and sampling draws apart from the training steps' draws.
enum StreamStep {
    static let validation: Int = 1 << 32
    static let posterior: Int = 1 << 33
}

/// Trains one LFADS model (docs/model.md §5–8) on a model group's ranks; every rank runs this.
public final class Trainer {
    public let hp: Hyperparameters
    public let data: TrainingData
    public let comm: Communicator
    let svTrain: [[Float]]?, svValid: [[Float]]?
    var models: [Int: (LFADSModel<Float>, NoiseBundle<Float>)] = [:]
    var x: [Float] = []
    /// The batch's external inputs [T,B,E] (docs/model.md §16); empty when E = 0.
    var ext: [Float] = []
    var grads: [Float]
    /// Workspaces of one step, reused so that a step allocates nothing once the first has run.
    var batchRows: [Int] = [], batchTrials: [Int] = [], batchSv: [[Float]] = []
    /// The last step's loss terms summed over the group: total, recon, KL_ic, KL_co, L2, NLL_sv.
    public internal(set) var stepTerms = [Double](repeating: 0, count: 6)
    /// SBTT: observed elements per trial of each split (docs/model.md §15); nil with SBTT off.
    let observedTrain: [(all: Int, visible: Int)]?, observedValid: [(all: Int, visible: Int)]?
    /// Steps skipped because their minibatch had no observed element (SBTT), with a warning each.
    public internal(set) var skippedSteps: [String] = []
    /// Multi-session stitching (docs/model.md §18); nil for the base model.
    public internal(set) var stitched: SessionTraining? = nil

    public init(hp: Hyperparameters, data: TrainingData, comm: Communicator = SingleProcess()) {
        self.hp = hp; self.data = data; self.comm = comm
        if hp.svRate > 0 {
            svTrain = data.train.inds.map { sampleValidationMask(hp, split: 0, trialIndex: $0) }
            svValid = data.valid.inds.map { sampleValidationMask(hp, split: 1, trialIndex: $0) }
        } else { svTrain = nil; svValid = nil }
        grads = [Float](repeating: 0, count: ParameterLayout(hp).count)
        if hp.usesSBTT {
            let (T, N) = (data.T, data.N), Tin = T - hp.forwardBins, Nin = N - hp.heldoutNeurons
            observedTrain = data.train.observedCounts(T: T, N: N, Tin: Tin, Nin: Nin)
            observedValid = data.valid.observedCounts(T: T, N: N, Tin: Tin, Nin: Nin)
        } else { observedTrain = nil; observedValid = nil }
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
    public func run(_ state: inout TrainerState, shouldStop: () throws -> Bool = { false },
                    onEpoch: (TrainerState, EpochRecord) throws -> Void = { _, _ in }) throws {
        while state.stopReason == nil {
            if try shouldStop() { state.stopReason = .interrupted; break }
            let start = Date()
            var rec = try trainEpoch(&state)
            if state.stopReason == .diverged { try onEpoch(state, rec); break }
            try validate(&state, &rec)
            rec.seconds = try leaderValue(Date().timeIntervalSince(start))
            let trials = stitched == nil ? minibatches(epoch: state.epoch).reduce(0) { $0 + $1.count }
                : sessionMinibatches(epoch: state.epoch).reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
            rec.trialsPerSecond = Double(trials) / max(rec.seconds, 1e-9)
            state.elapsedSeconds += rec.seconds
            state.history.append(rec)
            applyStopRules(&state, rec)
            state.epoch += 1
            try onEpoch(state, rec)
        }
    }

    /// Rank 0's value on every rank. The group's stop rules must fire on the same epoch everywhere,
    /// and max_minutes reads each rank's own clock.
    func leaderValue(_ v: Double) throws -> Double {
        if comm.size == 1 { return v }
        var x = [comm.rank == 0 ? v : 0]
        try comm.allreduceSum(&x)
        return x[0]
    }

    /// One pass over the training minibatches; sums each step's loss terms over the group.
    func trainEpoch(_ state: inout TrainerState) throws -> EpochRecord {
        if stitched != nil { return try trainEpochSessions(&state) }
        let e = state.epoch, batches = minibatches(epoch: e)
        return try epochLoop(&state, steps: batches.count) { state, step, w in
            try trainStep(&state, batch: batches[step], epoch: e, step: step, weights: w)
        }
    }

    /// The epoch loop of the base and the stitched model: runs `steps` steps (each returns its gradient
    /// norm and leaves its terms in stepTerms), stops at the first non-finite one, averages the terms.
    func epochLoop(_ state: inout TrainerState, steps: Int,
                   _ runStep: (inout TrainerState, Int, LossWeights) throws -> Double) throws -> EpochRecord {
        let e = state.epoch
        let w = hp.lossWeights(epoch: e)
        var rec = EpochRecord()
        rec.epoch = e; rec.lr = state.lr; rec.klWeight = w.kl; rec.l2Weight = w.l2
        var sums = [Double](repeating: 0, count: 6)
        for step in 0..<steps {
            let norm = try runStep(&state, step, w)
            if !stepTerms[0].isFinite || !norm.isFinite {
                state.stopReason = .diverged
                state.stopDetail = "non-finite loss or gradient at epoch \(e), step \(step) (loss \(stepTerms[0]), grad norm \(norm))"
                return rec
            }
            for i in 0..<6 { sums[i] += stepTerms[i] }
            rec.gradNorm += norm / Double(steps)
        }
        let n = Double(max(steps, 1))
        rec.trainTotal = sums[0] / n; rec.trainRecon = sums[1] / n; rec.trainKlIc = sums[2] / n
        rec.trainKlCo = sums[3] / n; rec.trainL2 = sums[4] / n
        if hp.svRate > 0 { rec.sampValidTrain = sums[5] / n }
        return rec
    }

    /// One training step on the minibatch `batch` (positions in the train split), docs/model.md §11:
    /// draw the noise, forward and loss, backward with the loss scale, allreduce, global-norm clip and
    /// Adam, unless the loss or gradient is non-finite. Leaves the group's summed terms (total, recon,
    /// KL_ic, KL_co, L2, NLL_sv) in `stepTerms` and returns the gradient norm before clipping.
    public func trainStep(_ state: inout TrainerState, batch: [Int], epoch e: Int, step: Int,
                          weights w: LossWeights) throws -> Double {
        let share = comm.share(of: batch.count)
        for i in 0..<6 { stepTerms[i] = 0 }
        grads.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        var normObserved: (all: Int, visible: Int)? = nil
        if let observedTrain {
            // n_O of the whole minibatch: the same on every rank of the group (§15).
            let n = hp.usesTemporalShift ? shiftedObserved(batch, epoch: e, step: step)
                : batch.reduce((all: 0, visible: 0)) { ($0.all + observedTrain[$1].all, $0.visible + observedTrain[$1].visible) }
            if n.all == 0 {
                // Nothing observed: no loss to descend (LT would divide by 0). Every rank skips alike.
                skippedSteps.append("epoch \(e), step \(step): minibatch has no observed element; step skipped (sbtt)")
                return 0
            }
            normObserved = n
        }
        if !share.isEmpty {
            let (m, noise) = model(batch: share.count)
            batchRows.removeAll(keepingCapacity: true)
            batchRows.append(contentsOf: batch[share])
            batchTrials.removeAll(keepingCapacity: true)
            for r in batchRows { batchTrials.append(data.train.inds[r]) }
            if let svTrain {
                batchSv.removeAll(keepingCapacity: true)
                for r in batchRows { batchSv.append(svTrain[r]) }
            }
            data.train.gather(batchRows, T: data.T, N: data.N, into: &x)
            data.train.gatherExt(batchRows, T: data.T, E: hp.extInputDim, into: &ext)
            noise.draw(hp, trials: batchTrials, epoch: e, step: step, kind: .training,
                       svMasks: svTrain == nil ? nil : batchSv)
            if hp.usesTemporalShift {
                x.withUnsafeMutableBufferPointer {
                    noise.applyTemporalShift(hp, trials: batchTrials, epoch: e, step: step, x: $0.baseAddress!)
                }
            }
            var opts = PassOptions()
            opts.normTrials = batch.count
            opts.normObserved = normObserved
            opts.includeParameterTerms = comm.rank == 0
            let t = state.params.withUnsafeBufferPointer { p in
                x.withUnsafeBufferPointer { xp in
                    let t = m.forward(params: p.baseAddress!, x: xp.baseAddress!, ext: ext, noise: noise, weights: w, options: opts)
                    grads.withUnsafeMutableBufferPointer { g in
                        m.backward(params: p.baseAddress!, grads: g.baseAddress!, x: xp.baseAddress!, noise: noise,
                                   weights: w, options: opts, scale: hp.lossScale)
                    }
                    return t
                }
            }
            recordStepTerms(t, weights: w)
        }
        return try reduceAndUpdate(&state, frozen: [])
    }

    /// This rank's terms of a step into stepTerms. Per-trial terms are summed over ranks; the
    /// parameter-only L2 is counted on rank 0 only.
    func recordStepTerms(_ t: LossTerms, weights w: LossWeights) {
        let l2Part = w.l2 * t.l2
        stepTerms[0] = t.total - l2Part + (comm.rank == 0 ? l2Part : 0)
        stepTerms[1] = t.recon; stepTerms[2] = t.klIc; stepTerms[3] = t.klCo
        stepTerms[4] = comm.rank == 0 ? t.l2 : 0
        stepTerms[5] = t.svNll.isNaN ? 0 : t.svNll
    }

    /// The end of every step: gradients and terms summed over the group, global-norm clip, and Adam
    /// (leaving `frozen` ranges alone) unless the loss or gradient is non-finite. Returns the norm
    /// before clipping.
    func reduceAndUpdate(_ state: inout TrainerState, frozen: [Range<Int>]) throws -> Double {
        try comm.allreduceSum(&grads)
        try comm.allreduceSum(&stepTerms)
        let norm = clipGlobalNorm(&grads, maxNorm: hp.maxGradNorm)
        if stepTerms[0].isFinite && norm.isFinite {
            state.adam.update(&state.params, grads: grads, lr: state.lr, hp: hp, frozen: frozen)
        }
        return norm
    }

    /// The validation pass (§8): one posterior sample, dropout and CD off, SV on; trial-weighted.
    /// valid NLL is over held-in neurons and observed bins.
    func validate(_ state: inout TrainerState, _ rec: inout EpochRecord) throws {
        if let st = stitched {
            try validateSessions(state, &rec)
            rec.sessionValues = EpochRecord.sessionRow([st.validTotal, st.validRecon, st.validSv])
            return smoothValidation(&state, &rec)
        }
        let w = hp.lossWeights(epoch: state.epoch)
        let K = data.valid.trials
        let mine = Array(comm.share(of: K))
        // Σ_k total, recon, svNll weighted by trials; with SBTT [3] = observed held-in elements.
        var sums = [Double](repeating: 0, count: hp.usesSBTT ? 4 : 3)
        var start = 0
        while start < mine.count {
            let rows = Array(mine[start..<min(start + hp.batchSize, mine.count)])
            start += rows.count
            let (m, noise) = model(batch: rows.count)
            data.valid.gather(rows, T: data.T, N: data.N, into: &x)
            data.valid.gatherExt(rows, T: data.T, E: hp.extInputDim, into: &ext)
            noise.draw(hp, trials: rows.map { data.valid.inds[$0] }, epoch: state.epoch, step: StreamStep.validation,
                       kind: .sampling, svMasks: svValid.map { sv in rows.map { sv[$0] } })
            let t = state.params.withUnsafeBufferPointer { p in
                x.withUnsafeBufferPointer { xp in
                    m.forward(params: p.baseAddress!, x: xp.baseAddress!, ext: ext, noise: noise, weights: w)
                }
            }
            // Held-in terms only: selection, the LVE checkpoint and the plateau schedule never see
            // held-out neurons or forward bins of validation trials.
            let wt = Double(rows.count)
            if let observedValid {
                // SBTT: the NLLs are means over observed held-in elements, so batches weigh by those.
                let nO = Double(rows.reduce(0) { $0 + observedValid[$1].visible })
                sums[0] += wt * (t.heldInTotal - t.heldInRecon); sums[1] += nO * t.heldInRecon
                sums[2] += nO * (t.svNll.isNaN ? 0 : t.svNll); sums[3] += nO
            } else {
                sums[0] += wt * t.heldInTotal; sums[1] += wt * t.heldInRecon
                sums[2] += wt * (t.svNll.isNaN ? 0 : t.svNll)
            }
        }
        try comm.allreduceSum(&sums)
        if hp.usesSBTT {
            let nO = max(sums[3], 1)
            rec.validRecon = sums[1] / nO
            rec.validTotal = sums[0] / Double(K) + rec.validRecon
            if hp.svRate > 0 { rec.sampValidValid = sums[2] / nO }
        } else {
            rec.validTotal = sums[0] / Double(K)
            rec.validRecon = sums[1] / Double(K)
            if hp.svRate > 0 { rec.sampValidValid = sums[2] / Double(K) }
        }
        smoothValidation(&state, &rec)
    }

    /// The EMAs of the validation values and the divergence check (§8).
    func smoothValidation(_ state: inout TrainerState, _ rec: inout EpochRecord) {
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
