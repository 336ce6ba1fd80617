import App
import Foundation
import LFADS
import ModelIO
import Search
import Training
import Vocabulary

/// Runs one search work item on a dataset-size subset: trains, then measures (docs/search.md §4–5).
public final class SearchWorker {
    let dataset: SpikeDataset
    let sizes: [Int]
    let trainOrder: [Int], validOrder: [Int]
    let subsampleValid: Bool
    private var cache: [Int: TrainingData] = [:]
    let fullValid: SplitData
    /// A stitched search (docs/search.md §8): the sessions, and per size and session the trials taken.
    let sessionSet: SessionSet?
    let sessionSizes: [[Int]]
    let sessionOrders: [(train: [Int], valid: [Int])]
    var sessionCache: [Int: SessionSet] = [:]

    /// Sessions in this search (0: not stitched).
    public var sessionCount: Int { sessionSet?.sessions.count ?? 0 }

    public init(dataset d: SpikeDataset, sizes: [Int], seed: Int, subsampleValid: Bool) {
        dataset = d; self.sizes = sizes; self.subsampleValid = subsampleValid
        sessionSet = nil; sessionSizes = []; sessionOrders = []
        trainOrder = NestedSubsets.order(inds: d.trainInds, conditions: d.trainConditions, seed: UInt64(seed), split: 0)
        validOrder = NestedSubsets.order(inds: d.validInds, conditions: d.validConditions, seed: UInt64(seed), split: 1)
        fullValid = SplitData(counts: d.validCounts, trials: d.validCount, inds: d.validInds, splitID: 1, ext: d.validExt)
    }

    /// A stitched search's worker: `sessionSizes[size][s]` train trials of session s per size, each
    /// session's subsets nested prefixes of its own ordering (keyed by its index).
    public init(sessions set: SessionSet, sessionSizes: [[Int]], seed: Int, subsampleValid: Bool) {
        let d = set.sessions[0]
        dataset = d; sizes = sessionSizes.map { $0.reduce(0, +) }; self.subsampleValid = subsampleValid
        trainOrder = []; validOrder = []
        fullValid = SplitData(counts: d.validCounts, trials: d.validCount, inds: d.validInds, splitID: 1, ext: d.validExt)
        sessionSet = set; self.sessionSizes = sessionSizes
        sessionOrders = set.sessions.enumerated().map { s, d in
            (NestedSubsets.order(inds: d.trainInds, conditions: d.trainConditions, seed: UInt64(seed), split: 0, session: s),
             NestedSubsets.order(inds: d.validInds, conditions: d.validConditions, seed: UInt64(seed), split: 1, session: s))
        }
    }

    /// Positions of the train and valid trials a size uses, ascending.
    func positions(size si: Int) -> (train: [Int], valid: [Int]) {
        let n = sizes[si]
        let nv = subsampleValid
            ? min(max(Int((Double(n) / Double(dataset.trainCount) * Double(dataset.validCount)).rounded()), 1), dataset.validCount)
            : dataset.validCount
        return (Array(trainOrder.prefix(n)).sorted(), Array(validOrder.prefix(nv)).sorted())
    }

    func data(size si: Int) -> TrainingData {
        if let d = cache[si] { return d }
        let (tr, va) = positions(size: si)
        let d = dataset
        func pick(_ counts: [Float], _ inds: [Int], _ pos: [Int], _ split: Int, ext: [Float]?) -> SplitData {
            var out = [Float](); out.reserveCapacity(pos.count * d.trialSize)
            for p in pos { out += counts[(p * d.trialSize)..<((p + 1) * d.trialSize)] }
            // External inputs (docs/model.md §16) follow their trials.
            let te = d.T * d.extDim
            let e = ext.map { ext in pos.flatMap { ext[($0 * te)..<(($0 + 1) * te)] } }
            return SplitData(counts: out, trials: pos.count, inds: pos.map { inds[$0] }, splitID: split, ext: e)
        }
        let td = TrainingData(train: pick(d.trainCounts, d.trainInds, tr, 0, ext: d.trainExt),
                              valid: pick(d.validCounts, d.validInds, va, 1, ext: d.validExt), T: d.T, N: d.N)
        cache[si] = td
        return td
    }

    /// co-bps on the size's own validation trials: what `select_by: valid_cobps` ranks by, so a small
    /// size selects with as much held-out data as an experiment of that size would have. The
    /// reported `valid_cobps` stays on the full valid split, comparable across sizes.
    func subsetCoBPS(hp: Hyperparameters, params: [Float], valid: SplitData, fullValue: Double?) -> Double {
        if valid.trials == fullValid.trials { return fullValue ?? .nan }
        let inf = inferPosterior(hp: hp, params: params, split: valid, T: dataset.T, N: dataset.N,
                                 estimator: .sampleAverage(samples: hp.posteriorSamples))
        return Outputs.heldoutMetrics(validRates: inf.rates, dataset: dataset, validCounts: valid.counts)[.validCobps] ?? .nan
    }

    public func run(_ item: WorkItem, comm: Communicator = SingleProcess(), isLeader: Bool = true,
             shouldStop: () throws -> Bool = { false }) throws -> WorkResult {
        var hp = item.hp
        let trainer: Trainer, initial: () throws -> [Float]
        if sessionSet != nil {
            let subset = sessionSubset(size: item.sizeIndex)
            trainer = Trainer(hp: hp, sessions: subset.sessions.map(StitchedRun.trainingData), comm: comm)
            initial = { [hp, si = item.sizeIndex] in
                var warnings: [String] = []   // rank deficiency of a small subset's PCR: the fit still holds
                return try SessionInit.parameters(hp, sessions: self.pcrSubset(size: si), warnings: &warnings)
            }
        } else {
            hp.adoptLayout(of: dataset)
            trainer = Trainer(hp: hp, data: self.data(size: item.sizeIndex), comm: comm)
            initial = { [hp] in Initialization.parameters(hp, seed: UInt64(hp.seed)) }
        }
        let data = trainer.data
        var state: TrainerState
        if let start = item.startState {
            state = try Checkpoint.read(start, hp: hp)
            state.lr = hp.lr
            state.stopReason = nil
            state.stopDetail = ""
        } else {
            state = TrainerState(hp: hp, params: try initial())
        }
        var ran = 0
        let limit = item.epochs ?? Int.max
        try trainer.run(&state, shouldStop: { try ran >= limit || shouldStop() }) { _, _ in ran += 1 }
        if state.stopReason == .interrupted && ran < limit { throw SearchInterrupted() }
        if state.stopReason == .interrupted { state.stopReason = nil }
        let diverged = state.stopReason == .diverged
        let pbt = item.epochs != nil
        let params = pbt ? state.params : state.selected.params
        var m: [String: Double] = [:]
        m[.epochs] = Double(state.history.count); m[.seconds] = state.elapsedSeconds; m[.bestEpoch] = Double(state.bestEpoch)
        if let last = state.history.last {
            m[.trainLoss] = last.trainTotal
            let atBest = (!pbt && state.bestEpoch >= 0 && state.bestEpoch < state.history.count) ? state.history[state.bestEpoch] : last
            m[.validNLL] = pbt ? last.validReconSmoothed : (state.bestEpoch >= 0 ? state.bestValue : last.validReconSmoothed)
            m[.sampValidNLL] = atBest.sampValidTrainSmoothed
            m[.sampValidNLLValidTrials] = atBest.sampValidValidSmoothed
        }
        if !diverged && params.allSatisfy(\.isFinite) && isLeader && sessionSet != nil {
            m.merge(sessionMetrics(hp: hp, params: params)) { a, _ in a }
        } else if !diverged && params.allSatisfy(\.isFinite) && isLeader {
            let inf = inferPosterior(hp: hp, params: params, split: fullValid, T: dataset.T, N: dataset.N,
                                     estimator: .sampleAverage(samples: hp.posteriorSamples))
            if inf.rates.allSatisfy(\.isFinite) {
                m.merge(Self.validMetrics(hp: hp, inf: inf, dataset: dataset)) { a, _ in a }
            }
            if inf.rates.allSatisfy(\.isFinite) && hp.observation == .poisson
                && (dataset.trainBehavior != nil || dataset.psth != nil) {
                // vel R²'s decoder is fitted on this size's own training trials.
                let train = dataset.trainBehavior == nil ? [] : inferPosterior(
                    hp: hp, params: params, split: data.train, T: dataset.T, N: dataset.N,
                    estimator: .sampleAverage(samples: hp.posteriorSamples)).rates
                m.merge(Outputs.nlbMetrics(trainRates: train, trainPositions: positions(size: item.sizeIndex).train,
                                           validRates: inf.rates, dataset: dataset)) { a, _ in a }
            }
            if dataset.heldoutNeurons > 0 && hp.observation == .poisson {
                m[.subsetValidCobps] = subsetCoBPS(hp: hp, params: params, valid: data.valid, fullValue: m[.validCobps])
            }
        }
        if isLeader {
            if pbt { try Checkpoint.write(state, hp: hp, to: item.outputState) }
            else if params.allSatisfy(\.isFinite) {
                try ParameterFile.write(params, hp: hp, to: item.outputState, selected: state.selected.rule, bestEpoch: state.selected.epoch)
            }
        }
        return WorkResult(row: item.row, status: diverged ? .diverged : .completed, metrics: m,
                          history: state.history.map(\.values), detail: state.stopDetail)
    }
}

extension SearchWorker {
    /// The metrics of a model's finite rates on `dataset`'s full valid split: rate NLL, bits/spike,
    /// co-bps/fp-bps for Poisson, the model's NLL otherwise (docs/model.md §14), R² against truth.
    static func validMetrics(hp: Hyperparameters, inf: PosteriorOutputs, dataset: SpikeDataset) -> [String: Double] {
        var m: [String: Double] = [:]
        if hp.observation == .poisson {
            m[.validRateNLL] = Metrics.poissonNLL(counts: dataset.validCounts, rates: inf.rates)
            m[.validBitsPerSpike] = Metrics.bitsPerSpike(counts: dataset.validCounts, rates: inf.rates, neurons: dataset.N)
            m.merge(Outputs.heldoutMetrics(validRates: inf.rates, dataset: dataset)) { a, _ in a }
        } else {
            // Rate metrics (bps, co-bps, NLB) are Poisson's; other models report their NLL (docs/model.md §14).
            m[.validRateNLL] = inf.modelNLL
            m.merge(Outputs.modelNLLMetrics(valid: inf, train: nil, dataset: dataset)) { a, _ in a }
        }
        if let vt = dataset.validTruth {
            m[.validR2PerNeuron] = Metrics.r2PerNeuron(truth: vt, pred: inf.rates, neurons: dataset.N).r2
            m[.validR2Pooled] = Metrics.r2Pooled(truth: vt, pred: inf.rates)
        }
        return m
    }
}

/// A stop request arrived mid-trial; the trial stays pending and reruns on resume.
public struct SearchInterrupted: Error { public init() {} }
