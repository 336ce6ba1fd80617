import Foundation
import LFADS

/// Posterior of session s's split under a stitched model (docs/model.md §9, §18): as inferPosterior,
/// each chunk a pass of that session alone; rates [K,T,N_s], factors and the rest from the shared core.
public func inferSessionPosterior(hp: Hyperparameters, params: [Float], session s: Int, split: SplitData, T: Int,
                                  estimator: RateEstimator, batchSize: Int? = nil) -> PosteriorOutputs {
    let S = hp.sessions.count, N = hp.sessions[s].neurons
    let K = split.trials, F = hp.facDim, Hg = hp.genDim, U = hp.coDim, D = hp.icDim
    var rates = [Double](repeating: 0, count: K * T * N), factors = [Double](repeating: 0, count: K * T * F)
    var gens = [Double](repeating: 0, count: K * T * Hg), cos = [Double](repeating: 0, count: K * T * U)
    var icMean = [Float](repeating: 0, count: K * D), icLogvar = [Float](repeating: 0, count: K * D)
    let chunk = batchSize ?? hp.batchSize
    var models: [Int: (StitchedModel<Float>, SessionNoise<Float>)] = [:]
    var x: [Float] = [], ext: [Float] = []
    let E = hp.extInputDim, V = U + E
    var genIn = [Double](repeating: 0, count: E > 0 ? K * T * V : 0)
    // Non-Poisson (docs/model.md §14): the session's own NLL per element, chunks weighted by trials.
    let poisson = hp.observation == .poisson
    var nll = 0.0, heldInNLL = 0.0
    // SBTT: each chunk's NLL is a mean over its observed elements, so chunks weigh by those (as inferPosterior).
    let shape = hp.sessions[s]
    let observed = hp.usesSBTT ? split.observedCounts(T: T, N: N, Tin: T - shape.forwardBins, Nin: N - shape.heldout) : nil
    let observedTotal = observed.map { o in (all: max(o.reduce(0) { $0 + $1.all }, 1), visible: max(o.reduce(0) { $0 + $1.visible }, 1)) }
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
            if !poisson, let observed, let observedTotal {
                let a = rows.reduce(0) { $0 + observed[$1].all }, v = rows.reduce(0) { $0 + observed[$1].visible }
                nll += w * m.sessionTerms.recon[s] * Double(a) / Double(observedTotal.all)
                heldInNLL += w * m.sessionTerms.heldInRecon[s] * Double(v) / Double(observedTotal.visible)
            } else if !poisson {
                nll += w * m.sessionTerms.recon[s] * Double(B) / Double(K)
                heldInNLL += w * m.sessionTerms.heldInRecon[s] * Double(B) / Double(K)
            }
            add(m.rates[s].p, width: N, rows: rows, T: T, B: B, into: &rates, weight: w)
            add(m.core.phi.p, width: F, rows: rows, T: T, B: B, into: &factors, weight: w)
            add(m.core.generatorStates, width: Hg, ld: m.core.generatorStatesLd, rows: rows, T: T, B: B, into: &gens, weight: w)
            if U > 0 { add(m.core.u.p, width: U, rows: rows, T: T, B: B, into: &cos, weight: w) }
            if E > 0 {
                // Session s alone in the pass: its trials are the core's rows 0..<B.
                for (b, k) in rows.enumerated() {
                    for t in 0..<T {
                        let g = m.core.generatorInput(t: t, b: b), o = (k * T + t) * V
                        for j in 0..<V { genIn[o + j] += w * Double(g[j]) }
                    }
                }
            }
        }
        for (b, k) in rows.enumerated() {
            for j in 0..<D {
                icMean[k * D + j] = m.core.icMean[b * D + j]
                icLogvar[k * D + j] = Float(Foundation.log(Double(m.core.icVar[b * D + j])))
            }
        }
    }
    func f(_ a: [Double]) -> [Float] { a.map { Float($0) } }
    var out = PosteriorOutputs(rates: f(rates), factors: f(factors), genStates: f(gens), controllerOutputs: f(cos),
                               icPostMean: icMean, icPostLogvar: icLogvar)
    if !poisson { out.modelNLL = nll; out.modelHeldInNLL = heldInNLL }
    if E > 0 { out.genInputs = f(genIn) }
    return out
}

/// Adds weight·src[t,b,j] into out[k,t,j] for the chunk's trials k = rows[b].
/// ld: the source's row stride, when wider than w.
private func add(_ src: UnsafePointer<Float>, width w: Int, ld: Int? = nil, rows: [Int], T: Int, B: Int,
                 into out: inout [Double], weight: Double) {
    let ld = ld ?? w
    out.withUnsafeMutableBufferPointer { o in
        for (b, k) in rows.enumerated() {
            for t in 0..<T {
                let sp = src + (t * B + b) * ld, d = (k * T + t) * w
                for j in 0..<w { o[d + j] += weight * Double(sp[j]) }
            }
        }
    }
}
