import Foundation
import LFADS

/// Posterior of session s's split under a stitched model (docs/model.md §9, §18): as inferPosterior,
/// each chunk a pass of that session alone; rates [K,T,N_s], factors and the rest from the shared core.
public func inferSessionPosterior(hp: Hyperparameters, params: [Float], session s: Int, split: SplitData, T: Int,
                                  estimator: RateEstimator, batchSize: Int? = nil) -> PosteriorOutputs {
    let S = hp.sessions.count, shape = hp.sessions[s], N = shape.neurons
    let K = split.trials, E = hp.extInputDim, chunk = batchSize ?? hp.batchSize
    // Non-Poisson (docs/model.md §14): the session's own NLL per element.
    let poisson = hp.observation == .poisson
    var sums = PosteriorSums(hp: hp, split: split, T: T, N: N, Tin: T - shape.forwardBins, Nin: N - shape.heldout)
    var models: [Int: (StitchedModel<Float>, SessionNoise<Float>)] = [:]
    var x: [Float] = [], ext: [Float] = []
    var start = 0
    while start < K {
        let rows = Array(start..<min(start + chunk, K))
        start += rows.count
        let B = rows.count, counts = (0..<S).map { $0 == s ? B : 0 }
        let (m, noise) = models[B] ?? {
            let m = StitchedModel<Float>(hp: hp, batches: counts)
            return (m, m.makeNoise())
        }()
        models[B] = (m, noise)
        split.gather(rows, T: T, N: N, into: &x)
        split.gatherExt(rows, T: T, E: E, into: &ext)
        let samples: Int
        var opts = SessionPassOptions()
        // Poisson rates come from the log-rates alone; only the other observation models need the loss.
        opts.computesLoss = !poisson
        switch estimator {
        case .sampleAverage(let n): samples = n
        case .posteriorMean: samples = 1; opts.latents = .posteriorMean
        }
        for i in 0..<samples {
            if case .sampleAverage = estimator {
                noise.draw(hp, trials: (0..<S).map { $0 == s ? rows.map { split.inds[$0] } : [] }, epoch: i,
                           step: StreamStep.posterior, kind: .sampling)
            } else { noise.setAllOff() }
            _ = withSessionData((0..<S).map { $0 == s ? x : [] }, exts: E > 0 ? (0..<S).map { $0 == s ? ext : [] } : nil) { xs, es in
                params.withUnsafeBufferPointer { p in
                    m.forward(params: p.baseAddress!, xs: xs, exts: es, noise: noise, weights: .full, options: opts)
                }
            }
            let w = 1 / Double(samples)
            sums.addRates(logRates: m.logRates[s].p, rates: m.rates[s].p, poisson: poisson, rows: rows, B: B, weight: w)
            if !poisson {
                sums.addNLL(recon: m.sessionTerms.recon[s], heldIn: m.sessionTerms.heldInRecon[s], rows: rows, weight: w)
            }
            // Session s alone in the pass: its trials are the core's rows 0..<B.
            sums.addLatents(m.core, rows: rows, B: B, weight: w)
        }
        sums.setInitialConditions(m.core, rows: rows)
    }
    return sums.outputs(poisson: poisson)
}
