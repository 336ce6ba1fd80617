import LFADS

/// The per-session state of a stitched run (docs/model.md §18): each session's splits, SV masks, and
/// the models of the batch layouts seen so far.
public final class SessionTraining {
    public let sessions: [TrainingData]
    let svTrain: [[[Float]]]?, svValid: [[[Float]]]?
    var models: [[Int]: (StitchedModel<Float>, SessionNoise<Float>)] = [:]
    var xs: [[Float]]
    /// Each session's external inputs of the batch [T,B_s,E] (docs/model.md §16); empty when E = 0.
    var exts: [[Float]]
    /// SBTT: each session's observed elements per trial of each split (docs/model.md §15); nil with SBTT off.
    let observedTrain: [[(all: Int, visible: Int)]]?, observedValid: [[(all: Int, visible: Int)]]?
    /// The last validation pass's total loss, held-in NLL and NLL_sv of each session (trial-weighted
    /// means; with SBTT the NLLs are means over observed held-in elements).
    public internal(set) var validTotal: [Double], validRecon: [Double], validSv: [Double]

    init(hp: Hyperparameters, sessions: [TrainingData]) {
        self.sessions = sessions
        if hp.svRate > 0 {
            svTrain = sessions.enumerated().map { s, d in d.train.inds.map { sessionValidationMask(hp, session: s, split: 0, trialIndex: $0) } }
            svValid = sessions.enumerated().map { s, d in d.valid.inds.map { sessionValidationMask(hp, session: s, split: 1, trialIndex: $0) } }
        } else { svTrain = nil; svValid = nil }
        xs = sessions.map { _ in [] }
        exts = sessions.map { _ in [] }
        if hp.usesSBTT {
            func counts(_ s: Int, _ split: SplitData) -> [(all: Int, visible: Int)] {
                let shape = hp.sessions[s], T = sessions[s].T, N = sessions[s].N
                return split.observedCounts(T: T, N: N, Tin: T - shape.forwardBins, Nin: N - shape.heldout)
            }
            observedTrain = sessions.indices.map { counts($0, sessions[$0].train) }
            observedValid = sessions.indices.map { counts($0, sessions[$0].valid) }
        } else { observedTrain = nil; observedValid = nil }
        validTotal = sessions.map { _ in .nan }; validRecon = sessions.map { _ in .nan }; validSv = sessions.map { _ in .nan }
    }

    func model(_ hp: Hyperparameters, batches: [Int]) -> (StitchedModel<Float>, SessionNoise<Float>) {
        if let m = models[batches] { return m }
        let m = StitchedModel<Float>(hp: hp, batches: batches)
        let entry = (m, m.makeNoise())
        models[batches] = entry
        return entry
    }
}

extension Trainer {
    /// A trainer of a stitched model over `sessions` (docs/model.md §18), in session order.
    public convenience init(hp: Hyperparameters, sessions: [TrainingData], comm: Communicator = SingleProcess()) {
        precondition(hp.isStitched && sessions.count == hp.sessions.count)
        self.init(hp: hp, data: sessions[0], comm: comm)
        stitched = SessionTraining(hp: hp, sessions: sessions)
    }

    /// The epoch's steps, each a list per session of positions in that session's train split (§18).
    /// `mixed`: B_s = ⌊batch_size/S⌋ trials of every session per step, max_s ⌊K_s/B_s⌋ steps; a session
    /// that runs out starts a new seeded shuffle (keyed by epoch, session and cycle). `single`: one
    /// session per step, ⌊K_s/batch_size⌋ batches of each (one of all K_s when fewer), the (session,
    /// batch) pairs in a seeded order.
    public func sessionMinibatches(epoch e: Int) -> [[[Int]]] {
        guard let st = stitched else { return [] }
        let S = st.sessions.count, seed = UInt64(hp.seed)
        func order(_ s: Int, cycle: Int) -> [Int] {
            var o = Array(0..<st.sessions[s].train.trials)
            var r = keyedStream(seed: seed, .shuffle, UInt64(e), UInt64(s + 1), UInt64(cycle))
            shuffle(&o, using: &r)
            return o
        }
        if hp.sessionBatching == "single" {
            var pairs: [(Int, [Int])] = []
            for s in 0..<S {
                let o = order(s, cycle: 0), K = o.count, B = hp.batchSize
                if K < B { pairs.append((s, o)) } else {
                    for j in 0..<(K / B) { pairs.append((s, Array(o[(j * B)..<((j + 1) * B)]))) }
                }
            }
            var idx = Array(pairs.indices)
            var r = keyedStream(seed: seed, .shuffle, UInt64(e), 0, 1)
            shuffle(&idx, using: &r)
            return idx.map { i in (0..<S).map { $0 == pairs[i].0 ? pairs[i].1 : [] } }
        }
        let B = hp.batchSize / S
        let perCycle = st.sessions.map { $0.train.trials / B }
        let steps = perCycle.max() ?? 0
        var cached: [Int: [Int]] = [:]
        return (0..<steps).map { j in
            (0..<S).map { s in
                let c = j / perCycle[s], k = j % perCycle[s]
                if c == 0 || cached[s * 1_000_000 + c] == nil { cached[s * 1_000_000 + c] = order(s, cycle: c) }
                return Array(cached[s * 1_000_000 + c]![(k * B)..<((k + 1) * B)])
            }
        }
    }

    /// One pass over the stitched minibatches, as trainEpoch.
    func trainEpochSessions(_ state: inout TrainerState) throws -> EpochRecord {
        let e = state.epoch, batches = sessionMinibatches(epoch: e)
        return try epochLoop(&state, steps: batches.count) { state, step, w in
            try trainStepSessions(&state, batch: batches[step], epoch: e, step: step, weights: w)
        }
    }

    /// One stitched step: this rank takes its share of the step's trials in session order, the loss
    /// normalises by each session's global B_s (§18), and Adam leaves frozen and absent adapters alone.
    public func trainStepSessions(_ state: inout TrainerState, batch: [[Int]], epoch e: Int, step: Int,
                                  weights w: LossWeights) throws -> Double {
        let st = stitched!
        let global = batch.map(\.count), share = comm.share(of: global.reduce(0, +))
        for i in 0..<6 { stepTerms[i] = 0 }
        grads.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        // SBTT: each session's n_O over the whole step, the same on every rank of the group (§15, §18).
        let observed = st.observedTrain.map { o in
            hp.usesTemporalShift ? shiftedSessionObserved(batch, epoch: e, step: step)
                : batch.enumerated().map { s, rows in rows.reduce((all: 0, visible: 0)) { ($0.all + o[s][$1].all, $0.visible + o[s][$1].visible) } }
        }
        if let observed, observed.allSatisfy({ $0.all == 0 }) {
            skippedSteps.append("epoch \(e), step \(step): minibatch has no observed element; step skipped (sbtt)")
            return 0
        }
        var local: [[Int]] = [], o = 0
        for rows in batch {
            let lo = max(share.lowerBound - o, 0), hi = min(share.upperBound - o, rows.count)
            local.append(lo < hi ? Array(rows[lo..<hi]) : [])
            o += rows.count
        }
        if !share.isEmpty {
            let (m, noise) = st.model(hp, batches: local.map(\.count))
            for (s, rows) in local.enumerated() {
                st.sessions[s].train.gather(rows, T: data.T, N: st.sessions[s].N, into: &st.xs[s])
                st.sessions[s].train.gatherExt(rows, T: data.T, E: hp.extInputDim, into: &st.exts[s])
            }
            noise.draw(hp, trials: local.enumerated().map { s, rows in rows.map { st.sessions[s].train.inds[$0] } },
                       epoch: e, step: step, kind: .training,
                       svMasks: st.svTrain.map { sv in local.enumerated().map { s, rows in rows.map { sv[s][$0] } } })
            if hp.usesTemporalShift {
                // §17 per session, keyed by the session's trial keys: the same shifts on any rank layout.
                for (s, rows) in local.enumerated() where !rows.isEmpty {
                    st.xs[s].withUnsafeMutableBufferPointer {
                        noise.applyTemporalShift(hp, session: s, trials: rows.map { st.sessions[s].train.inds[$0] },
                                                 epoch: e, step: step, x: $0.baseAddress!)
                    }
                }
            }
            var opts = SessionPassOptions()
            opts.sessionTrials = global
            opts.sessionObserved = observed
            opts.includeParameterTerms = comm.rank == 0
            opts.trainReadin = hp.trainReadin == 1; opts.trainReadout = hp.trainReadout == 1
            let t = withSessionData(st.xs, exts: hp.extInputDim > 0 ? st.exts : nil) { xs, es in
                state.params.withUnsafeBufferPointer { p in
                    let t = m.forward(params: p.baseAddress!, xs: xs, exts: es, noise: noise, weights: w, options: opts)
                    grads.withUnsafeMutableBufferPointer { g in
                        m.backward(params: p.baseAddress!, grads: g.baseAddress!, xs: xs, noise: noise, weights: w,
                                   options: opts, scale: hp.lossScale)
                    }
                    return t
                }
            }
            recordStepTerms(t, weights: w)
        }
        return try reduceAndUpdate(&state, frozen: ParameterLayout(hp).frozenRanges(hp, present: global.map { $0 > 0 }))
    }

    /// The validation pass of §18: every session's valid trials once, each session's NLLs trial-weighted
    /// over its trials, the run's values the unweighted mean over sessions.
    func validateSessions(_ state: TrainerState, _ rec: inout EpochRecord) throws {
        let st = stitched!, S = st.sessions.count, w = hp.lossWeights(epoch: state.epoch)
        // Per session: Σ_k heldInTotal, heldInRecon, svNll, trial-weighted; with SBTT the NLLs weighted by
        // each batch's observed held-in elements, whose sum is the 4th entry (as `validate`).
        let k = st.observedValid == nil ? 3 : 4
        var sums = [Double](repeating: 0, count: k * S)
        for s in 0..<S {
            let split = st.sessions[s].valid
            let mine = Array(comm.share(of: split.trials))
            var start = 0
            while start < mine.count {
                let rows = Array(mine[start..<min(start + hp.batchSize, mine.count)])
                start += rows.count
                let counts = (0..<S).map { $0 == s ? rows.count : 0 }
                let (m, noise) = st.model(hp, batches: counts)
                split.gather(rows, T: data.T, N: st.sessions[s].N, into: &st.xs[s])
                split.gatherExt(rows, T: data.T, E: hp.extInputDim, into: &st.exts[s])
                noise.draw(hp, trials: (0..<S).map { $0 == s ? rows.map { split.inds[$0] } : [] }, epoch: state.epoch,
                           step: StreamStep.validation, kind: .sampling,
                           svMasks: st.svValid.map { sv in (0..<S).map { $0 == s ? rows.map { sv[s][$0] } : [] } })
                let only = { (a: [[Float]]) in a.enumerated().map { $0.offset == s ? $0.element : [] } }
                let t = withSessionData(only(st.xs), exts: hp.extInputDim > 0 ? only(st.exts) : nil) { xs, es in
                    state.params.withUnsafeBufferPointer { p in
                        m.forward(params: p.baseAddress!, xs: xs, exts: es, noise: noise, weights: w)
                    }
                }
                let wt = Double(rows.count)
                if let ov = st.observedValid {
                    let nO = Double(rows.reduce(0) { $0 + ov[s][$1].visible })
                    sums[k * s] += wt * (t.heldInTotal - t.heldInRecon); sums[k * s + 1] += nO * t.heldInRecon
                    sums[k * s + 2] += nO * (t.svNll.isNaN ? 0 : t.svNll); sums[k * s + 3] += nO
                } else {
                    sums[k * s] += wt * t.heldInTotal; sums[k * s + 1] += wt * t.heldInRecon
                    sums[k * s + 2] += wt * (t.svNll.isNaN ? 0 : t.svNll)
                }
            }
        }
        try comm.allreduceSum(&sums)
        var total = 0.0, recon = 0.0, sv = 0.0
        for s in 0..<S {
            let K = Double(max(st.sessions[s].valid.trials, 1))
            if k == 4 {
                let nO = max(sums[k * s + 3], 1)
                st.validRecon[s] = sums[k * s + 1] / nO
                st.validTotal[s] = sums[k * s] / K + st.validRecon[s]
                st.validSv[s] = hp.svRate > 0 ? sums[k * s + 2] / nO : .nan
                total += st.validTotal[s] / Double(S); recon += st.validRecon[s] / Double(S)
                sv += sums[k * s + 2] / nO / Double(S)
            } else {
                st.validRecon[s] = sums[k * s + 1] / K
                st.validTotal[s] = sums[k * s] / K
                st.validSv[s] = hp.svRate > 0 ? sums[k * s + 2] / K : .nan
                total += sums[k * s] / K / Double(S); recon += st.validRecon[s] / Double(S); sv += sums[k * s + 2] / K / Double(S)
            }
        }
        rec.validTotal = total; rec.validRecon = recon
        if hp.svRate > 0 { rec.sampValidValid = sv }
    }
}

/// Runs body with pointers to each session's data (an empty session gets a valid dummy pointer).
func withSessionData<R>(_ xs: [[Float]], _ body: ([UnsafePointer<Float>]) -> R) -> R {
    withSessionData(xs, exts: nil) { xs, _ in body(xs) }
}

/// Runs body with pointers to each session's data and, when given, external inputs.
func withSessionData<R>(_ xs: [[Float]], exts: [[Float]]?, _ body: ([UnsafePointer<Float>], [UnsafePointer<Float>]?) -> R) -> R {
    let all = xs + (exts ?? [])
    let ptrs = all.map { x -> UnsafeMutablePointer<Float> in
        let q = UnsafeMutablePointer<Float>.allocate(capacity: max(x.count, 1)); q.initialize(from: x, count: x.count); return q
    }
    defer { ptrs.forEach { $0.deallocate() } }
    let p = ptrs.map { UnsafePointer($0) }
    return body(Array(p[..<xs.count]), exts == nil ? nil : Array(p[xs.count...]))
}
