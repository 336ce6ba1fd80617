import App
import LFADS
import ModelIO
import Search
import Training
import Vocabulary

/// The stitched side of SearchWorker (docs/search.md §8): per-session subsets, and metrics per
/// session on each session's full valid split with their unweighted mean under the plain names.
extension SearchWorker {
    /// The metrics stored per session in the results file as `<metric>_sess<s>`: what inference on a
    /// session's full valid split gives (the selection metrics come from training, as the mean).
    public static let sessionMetricColumns: [Metric] = [
        .validRateNLL, .validBitsPerSpike, .validCobps, .validFpbps, .validR2PerNeuron, .validR2Pooled,
    ]

    /// Positions into session s's train and valid splits that size `si` uses, ascending.
    func sessionPositions(size si: Int, session s: Int) -> (train: [Int], valid: [Int]) {
        let d = sessionSet!.sessions[s], n = sessionSizes[si][s]
        let nv = SessionSubsets.validCount(train: n, of: d.trainCount, valid: d.validCount, subsample: subsampleValid)
        return (Array(sessionOrders[s].train.prefix(n)).sorted(), Array(sessionOrders[s].valid.prefix(nv)).sorted())
    }

    /// The sessions cut to size `si`: what the stitched trainer and the PCR read-in fit see.
    func sessionSubset(size si: Int) -> SessionSet {
        if let c = sessionCache[si] { return c }
        let set = SessionSet(sessionSet!.sessions.enumerated().map { s, d in
            let (tr, va) = sessionPositions(size: si, session: s)
            return d.restricted(train: tr, valid: va)
        })
        sessionCache[si] = set
        return set
    }

    /// What the PCR read-ins of size `si` are fitted on: its subset, keeping only the train trials of
    /// conditions every session's subset has. PCR stacks the sessions' condition PSTHs, so it needs
    /// the same conditions in every session, and a small stratified subset can miss one in one
    /// session. The full train splits `train` accepts have them all, so there this changes nothing.
    func pcrSubset(size si: Int) -> SessionSet {
        let set = sessionSubset(size: si)
        let conds = set.sessions.compactMap { $0.trainConditions.map(Set.init) }
        guard conds.count == set.sessions.count, let common = conds.dropFirst().reduce(conds.first, { $0?.intersection($1) }),
              conds.contains(where: { $0 != common }) else { return set }
        return SessionSet(set.sessions.map { d in
            let keep = d.trainConditions!.indices.filter { common.contains(d.trainConditions![$0]) }
            return d.restricted(train: keep, valid: Array(0..<d.validCount))
        })
    }

    /// Every session's metrics on its full valid split (nothing for a session with non-finite rates),
    /// and the unweighted mean over sessions of each metric all sessions have: StitchedRun's aggregate.
    func sessionMetrics(hp: Hyperparameters, params: [Float]) -> [String: Double] {
        let set = sessionSet!
        var per: [[String: Double]] = []
        for (s, d) in set.sessions.enumerated() {
            let valid = StitchedRun.trainingData(d).valid
            let inf = inferSessionPosterior(hp: hp, params: params, session: s, split: valid, T: d.T,
                                            estimator: .sampleAverage(samples: hp.posteriorSamples))
            per.append(inf.rates.allSatisfy(\.isFinite) ? Self.validMetrics(hp: hp, inf: inf, dataset: d) : [:])
        }
        var m: [String: Double] = [:]
        for (s, values) in per.enumerated() {
            for c in Self.sessionMetricColumns { if let v = values[c] { m[c.session(s)] = v } }
        }
        for c in Self.sessionMetricColumns where per.allSatisfy({ $0[c] != nil }) {
            m[c] = per.map { $0[c]! }.reduce(0, +) / Double(per.count)
        }
        return m
    }
}

extension SpikeDataset {
    /// This dataset with only the train and valid trials at the given positions (a search subset).
    /// Behaviour goes: NLB metrics are not computed for a stitched search.
    func restricted(train tr: [Int], valid va: [Int]) -> SpikeDataset {
        var d = self
        let ts = T * N, te = T * extDim
        func rows<E>(_ a: [E], _ pos: [Int], _ w: Int) -> [E] { pos.flatMap { a[($0 * w)..<(($0 + 1) * w)] } }
        d.trainCounts = rows(trainCounts, tr, ts); d.validCounts = rows(validCounts, va, ts)
        d.trainTruth = trainTruth.map { rows($0, tr, ts) }; d.validTruth = validTruth.map { rows($0, va, ts) }
        d.trainInds = tr.map { trainInds[$0] }; d.validInds = va.map { validInds[$0] }
        d.trainConditions = trainConditions.map { c in tr.map { c[$0] } }
        d.validConditions = validConditions.map { c in va.map { c[$0] } }
        d.trainExt = trainExt.map { rows($0, tr, te) }; d.validExt = validExt.map { rows($0, va, te) }
        d.trainBehavior = nil; d.validBehavior = nil
        d.trainCount = tr.count; d.validCount = va.count
        return d
    }
}
