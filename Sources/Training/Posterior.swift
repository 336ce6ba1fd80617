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

/// The Double sums of a posterior over chunks of a split, shared by inferPosterior and
/// inferSessionPosterior: rates, the core's latents, the initial conditions and, for non-Poisson
/// models (docs/model.md §14), the NLL with each chunk weighted by its trials or, with SBTT, by its
/// observed elements.
struct PosteriorSums {
    let K: Int, T: Int, N: Int, F: Int, Hg: Int, U: Int, D: Int, E: Int
    var rates: [Double], factors: [Double], gens: [Double], cos: [Double], genIn: [Double]
    var icMean: [Float], icLogvar: [Float]
    var nll = 0.0, heldInNLL = 0.0
    let observed: [(all: Int, visible: Int)]?, observedTotal: (all: Int, visible: Int)?

    /// Tin, Nin: the bins and neurons the encoder may see (held-in NLL, SBTT counts).
    init(hp: Hyperparameters, split: SplitData, T: Int, N: Int, Tin: Int, Nin: Int) {
        K = split.trials; self.T = T; self.N = N
        F = hp.facDim; Hg = hp.genDim; U = hp.coDim; D = hp.icDim; E = hp.extInputDim
        rates = [Double](repeating: 0, count: K * T * N); factors = [Double](repeating: 0, count: K * T * F)
        gens = [Double](repeating: 0, count: K * T * Hg); cos = [Double](repeating: 0, count: K * T * U)
        genIn = [Double](repeating: 0, count: E > 0 ? K * T * (U + E) : 0)
        icMean = [Float](repeating: 0, count: K * D); icLogvar = [Float](repeating: 0, count: K * D)
        // SBTT: each chunk's NLL is a mean over its observed elements, so chunks weigh by those.
        observed = hp.usesSBTT ? split.observedCounts(T: T, N: N, Tin: Tin, Nin: Nin) : nil
        observedTotal = observed.map { o in (all: max(o.reduce(0) { $0 + $1.all }, 1), visible: max(o.reduce(0) { $0 + $1.visible }, 1)) }
    }

    /// Adds weight·(the chunk's mean ℓ) for the trials `rows`.
    mutating func addNLL(recon: Double, heldIn: Double, rows: [Int], weight w: Double) {
        if let observed, let observedTotal {
            let a = rows.reduce(0) { $0 + observed[$1].all }, v = rows.reduce(0) { $0 + observed[$1].visible }
            nll += w * recon * Double(a) / Double(observedTotal.all)
            heldInNLL += w * heldIn * Double(v) / Double(observedTotal.visible)
        } else {
            nll += w * recon * Double(rows.count) / Double(K)
            heldInNLL += w * heldIn * Double(rows.count) / Double(K)
        }
    }

    /// Adds weight·(one sample's rates) of the batch rows 0..<B, which hold the trials `rows`: for
    /// Poisson exp of the log-rates (its pass skips the loss, which is what fills `rates`), for the
    /// other observation models the mean m(θ) the loss left in `rates`.
    mutating func addRates(logRates: UnsafePointer<Float>, rates: UnsafePointer<Float>, poisson: Bool,
                           rows: [Int], B: Int, weight w: Double) {
        if poisson {
            accumulate(logRates, width: N, rows: rows, T: T, B: B, into: &self.rates, weight: w, transform: { Float.exp($0) })
        } else {
            accumulate(rates, width: N, rows: rows, T: T, B: B, into: &self.rates, weight: w)
        }
    }

    /// Adds weight·(factors, generator states, controller outputs, generator inputs) of the core's
    /// rows 0..<B, which hold the trials `rows`.
    mutating func addLatents(_ m: LFADSModel<Float>, rows: [Int], B: Int, weight w: Double) {
        accumulate(m.phi.p, width: F, rows: rows, T: T, B: B, into: &factors, weight: w)
        accumulate(m.generatorStates, width: Hg, ld: m.generatorStatesLd, rows: rows, T: T, B: B, into: &gens, weight: w)
        if U > 0 { accumulate(m.u.p, width: U, rows: rows, T: T, B: B, into: &cos, weight: w) }
        guard E > 0 else { return }
        let V = U + E
        for (b, k) in rows.enumerated() {
            for t in 0..<T {
                let g = m.generatorInput(t: t, b: b), o = (k * T + t) * V
                for j in 0..<V { genIn[o + j] += w * Double(g[j]) }
            }
        }
    }

    /// The posterior's initial-condition mean and ln variance of the core's rows for the trials `rows`.
    mutating func setInitialConditions(_ m: LFADSModel<Float>, rows: [Int]) {
        for (b, k) in rows.enumerated() {
            for j in 0..<D {
                icMean[k * D + j] = m.icMean[b * D + j]
                icLogvar[k * D + j] = Float(Foundation.log(Double(m.icVar[b * D + j])))
            }
        }
    }

    func outputs(poisson: Bool) -> PosteriorOutputs {
        func f(_ a: [Double]) -> [Float] { a.map { Float($0) } }
        var out = PosteriorOutputs(rates: f(rates), factors: f(factors), genStates: f(gens), controllerOutputs: f(cos),
                                   icPostMean: icMean, icPostLogvar: icLogvar)
        if !poisson { out.modelNLL = nll; out.modelHeldInNLL = heldInNLL }
        if E > 0 { out.genInputs = f(genIn) }
        return out
    }
}

/// Runs the selected parameters with dropout, CD and SV off (§9); accumulates in Double.
public func inferPosterior(hp: Hyperparameters, params: [Float], split: SplitData, T: Int, N: Int,
                           estimator: RateEstimator, batchSize: Int? = nil) -> PosteriorOutputs {
    let K = split.trials, chunk = batchSize ?? hp.batchSize
    let poisson = hp.observation == .poisson
    var sums = PosteriorSums(hp: hp, split: split, T: T, N: N, Tin: T - hp.forwardBins, Nin: N - hp.heldoutNeurons)
    var models: [Int: (LFADSModel<Float>, NoiseBundle<Float>)] = [:]
    var x: [Float] = [], ext: [Float] = []
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
        split.gatherExt(rows, T: T, E: hp.extInputDim, into: &ext)
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
            sums.addRates(logRates: m.logRates.p, rates: m.rates.p, poisson: poisson, rows: rows, B: B, weight: w)
            // Non-Poisson: the pass's loss is the mean ℓ over this chunk.
            if !poisson { sums.addNLL(recon: terms.recon, heldIn: terms.heldInRecon, rows: rows, weight: w) }
            sums.addLatents(m, rows: rows, B: B, weight: w)
        }
        sums.setInitialConditions(m, rows: rows)
    }
    return sums.outputs(poisson: poisson)
}

/// Adds weight·transform(src[t,b,j]) into out[k,t,j] for the batch's trials k = rows[b]; src's rows
/// are `ld` apart (default w). The transform runs in Float, so the rates' exp is the vectorised
/// FastMath one (relative error ≤ 3e−7) rather than a libm call per element; the sum is in Double.
@inline(__always)
func accumulate(_ src: UnsafePointer<Float>, width w: Int, ld: Int? = nil, rows: [Int], T: Int, B: Int,
                into out: inout [Double], weight: Double, transform: (Float) -> Float = { $0 }) {
    let ld = ld ?? w
    out.withUnsafeMutableBufferPointer { o in
        let op = o.baseAddress!
        for (b, k) in rows.enumerated() {
            for t in 0..<T {
                let s = src + (t * B + b) * ld, d = op + (k * T + t) * w
                for j in 0..<w { d[j] += weight * Double(transform(s[j])) }
            }
        }
    }
}
