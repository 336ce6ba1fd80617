import Foundation
import LFADS

/// How output rates are estimated (docs/model.md §9).
public enum RateEstimator: Sendable, Equatable {
    /// Mean over S posterior samples of the observation mean m(θ) (exp of the log-rate for Poisson).
    case sampleAverage(samples: Int)
    /// One pass with z_ic = μ_ic and u_t = μ_co,t.
    case posteriorMean

    public var name: String {
        switch self {
        case .sampleAverage: return "posterior_sample_average"
        case .posteriorMean: return "posterior_mean"
        }
    }
}

/// Inferred quantities of one split, batch-major [K,T,·] like the data.
public struct PosteriorOutputs: Sendable {
    public var rates: [Float]             // [K,T,N] spikes/bin
    public var factors: [Float]           // [K,T,F]
    public var genStates: [Float]         // [K,T,Hg]
    public var controllerOutputs: [Float] // [K,T,U]
    /// The generator's inputs [u_t | e_t] [K,T,U+E] (docs/model.md §16); empty when E = 0.
    public var genInputs: [Float] = []
    public var icPostMean: [Float]        // [K,D]
    public var icPostLogvar: [Float]      // [K,D] ln of the variance used (floor included)
    /// Non-Poisson models (docs/model.md §14): the per-element NLL of the data under the model,
    /// averaged over the posterior samples, over every element and over the held-in ones (held-in
    /// neurons, observed bins); NaN for Poisson, whose NLL comes from the rates (docs/data.md §4).
    public var modelNLL = Double.nan
    public var modelHeldInNLL = Double.nan
}

/// Runs the selected parameters with dropout, CD and SV off (§9); accumulates in Double.
public func inferPosterior(hp: Hyperparameters, params: [Float], split: SplitData, T: Int, N: Int,
                           estimator: RateEstimator, batchSize: Int? = nil) -> PosteriorOutputs {
    let K = split.trials, F = hp.facDim, Hg = hp.genDim, U = hp.coDim, D = hp.icDim
    var rates = [Double](repeating: 0, count: K * T * N), factors = [Double](repeating: 0, count: K * T * F)
    var gens = [Double](repeating: 0, count: K * T * Hg), cos = [Double](repeating: 0, count: K * T * U)
    var icMean = [Float](repeating: 0, count: K * D), icLogvar = [Float](repeating: 0, count: K * D)
    let chunk = batchSize ?? hp.batchSize
    let poisson = hp.observation == .poisson
    var nll = 0.0, heldInNLL = 0.0
    // SBTT: each chunk's NLL is a mean over its observed elements, so chunks weigh by those.
    let observed = hp.usesSBTT ? split.observedCounts(T: T, N: N, Tin: T - hp.forwardBins, Nin: N - hp.heldoutNeurons) : nil
    let observedTotal = observed.map { o in (all: max(o.reduce(0) { $0 + $1.all }, 1), visible: max(o.reduce(0) { $0 + $1.visible }, 1)) }
    var models: [Int: (LFADSModel<Float>, NoiseBundle<Float>)] = [:]
    var x: [Float] = [], ext: [Float] = []
    let E = hp.extInputDim, V = U + E
    var genIn = [Double](repeating: 0, count: E > 0 ? K * T * V : 0)
    var start = 0
    while start < K {
        let rows = Array(start..<min(start + chunk, K))
        start += rows.count
        let B = rows.count
        let (m, noise) = models[B] ?? {
            let m = LFADSModel<Float>(hp: hp, batch: B)
            return (m, NoiseBundle<Float>(m.dims))
        }()
        models[B] = (m, noise)
        split.gather(rows, T: T, N: N, into: &x)
        split.gatherExt(rows, T: T, E: E, into: &ext)
        let S: Int
        var opts = PassOptions()
        // Poisson rates come from the log-rates alone; only the other observation models need the loss.
        opts.computesLoss = !poisson
        switch estimator {
        case .sampleAverage(let s): S = s
        case .posteriorMean: S = 1; opts.latents = .posteriorMean
        }
        for s in 0..<S {
            if case .sampleAverage = estimator {
                noise.draw(hp, trials: rows.map { split.inds[$0] }, epoch: s, step: StreamStep.posterior, kind: .sampling)
            } else { noise.setAllOff() }
            let terms = params.withUnsafeBufferPointer { p in
                x.withUnsafeBufferPointer { xp in
                    m.forward(params: p.baseAddress!, x: xp.baseAddress!, ext: ext, noise: noise, weights: .full, options: opts)
                }
            }
            let w = 1 / Double(S)
            if poisson {
                accumulate(m.logRates.p, width: N, rows: rows, T: T, B: B, into: &rates, weight: w, transform: { Foundation.exp($0) })
            } else {
                // The forward pass left m(θ) in `rates`; its loss is the mean ℓ over this chunk.
                accumulate(m.rates.p, width: N, rows: rows, T: T, B: B, into: &rates, weight: w)
                if let observed, let observedTotal {
                    let a = rows.reduce(0) { $0 + observed[$1].all }, v = rows.reduce(0) { $0 + observed[$1].visible }
                    nll += w * terms.recon * Double(a) / Double(observedTotal.all)
                    heldInNLL += w * terms.heldInRecon * Double(v) / Double(observedTotal.visible)
                } else {
                    nll += w * terms.recon * Double(B) / Double(K)
                    heldInNLL += w * terms.heldInRecon * Double(B) / Double(K)
                }
            }
            accumulate(m.phi.p, width: F, rows: rows, T: T, B: B, into: &factors, weight: w)
            accumulate(m.generatorStates, width: Hg, rows: rows, T: T, B: B, into: &gens, weight: w)
            if U > 0 { accumulate(m.u.p, width: U, rows: rows, T: T, B: B, into: &cos, weight: w) }
            if E > 0 {
                for (b, k) in rows.enumerated() {
                    for t in 0..<T {
                        let s = m.generatorInput(t: t, b: b), o = (k * T + t) * V
                        for j in 0..<V { genIn[o + j] += w * Double(s[j]) }
                    }
                }
            }
        }
        for (b, k) in rows.enumerated() {
            for j in 0..<D {
                icMean[k * D + j] = m.icMean[b * D + j]
                icLogvar[k * D + j] = Float(Foundation.log(Double(m.icVar[b * D + j])))
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

/// Adds weight·transform(src[t,b,j]) into out[k,t,j] for the batch's trials k = rows[b].
private func accumulate(_ src: UnsafePointer<Float>, width w: Int, rows: [Int], T: Int, B: Int,
                        into out: inout [Double], weight: Double, transform: (Double) -> Double = { $0 }) {
    out.withUnsafeMutableBufferPointer { o in
        for (b, k) in rows.enumerated() {
            for t in 0..<T {
                let s = src + (t * B + b) * w, d = (k * T + t) * w
                for j in 0..<w { o[d + j] += weight * transform(Double(s[j])) }
            }
        }
    }
}
