import Foundation

/// Normalisers of one stitched pass, summed over a model group's ranks (docs/model.md §18).
public struct SessionPassOptions: Sendable {
    public var latents: LatentMode = .sample
    /// Each session's trials in this step over all ranks (B_s global); nil = this rank's batch.
    public var sessionTrials: [Int]? = nil
    /// SBTT (§15): each session's observed elements (all, and visible to the encoder) in this step over
    /// all ranks, its recon normaliser; nil = counted in this rank's batch.
    public var sessionObserved: [(all: Int, visible: Int)]? = nil
    public var includeParameterTerms = true
    /// The CD surrogate L_s (§6) as `total`: for finite differences only.
    public var cdSurrogate = false
    /// Adapter gradients to compute; a frozen adapter's stay 0 (§18).
    public var trainReadin = true, trainReadout = true
    /// false: a Poisson pass stops after the log-rates, all posterior sampling needs (the terms it
    /// returns are 0 and `sessionTerms` NaN); other observation models need the loss for their rates.
    public var computesLoss = true
    public init() {}
}

/// The per-session terms of one stitched pass: each session's own means (NaN for a session absent
/// from the pass), as the loss of a one-session pass would report them.
public struct SessionTerms: Sendable {
    public var recon: [Double], heldInRecon: [Double], svNll: [Double]
}

/// LFADS stitched across sessions (docs/model.md §18): session s's counts x_s [T,B_s,N_s] pass a
/// read-in x̂ = x̃_s·W_in,s + b_in,s into the shared core's R-dimensional encoder input, and the core's
/// factors φ leave through a read-out θ_s = φ·W_out,s + b_out,s. The sessions' rows sit in the core's
/// batch in session order (a gather/scatter); the core runs once over all ΣB_s trials.
public final class StitchedModel<T: Scalar> {
    public let hp: Hyperparameters
    public let layout: ParameterLayout
    public let sessions: [SessionShape]
    /// This pass's trials per session (B_s on this rank) and where each session's rows start.
    public let batches: [Int]
    let rowStart: [Int]
    public let core: LFADSModel<T>
    let R: Int, F: Int, TT: Int, B: Int
    /// P read-out channels per neuron (docs/model.md §14): θ_s is [T,B_s,N_s·P].
    let PC: Int
    let inW: [Int], inB: [Int], outW: [Int], outB: [Int]
    /// Offsets of each session's ZIG scales K_s [2,N_s] (`zig.s{i}.scale`); empty otherwise.
    let zigK: [Int]

    let xTilde: [Buffer<T>]                // [T,B_s,N_s] masked counts the read-in sees
    let xHat: [Buffer<T>]                  // [T·B_s,R] read-in output, and in backward its gradient
    let phiS: [Buffer<T>]                  // [T·B_s,F] the session's factor rows
    /// θ_s [T,B_s,N_s·P] (log-rates for Poisson) and the mean m(θ_s) [T,B_s,N_s] (exp θ_s for Poisson).
    public let logRates: [Buffer<T>], rates: [Buffer<T>]
    let dTheta: [Buffer<T>], dPhiS: [Buffer<T>]
    let dXIn: Buffer<T>                    // [T,B,R] ∂L/∂x̃ of the core
    let extIn: Buffer<T>                   // [T,B,E] the sessions' external inputs in the core's rows (§16)
    public private(set) var sessionTerms: SessionTerms

    public init(hp: Hyperparameters, batches: [Int]) {
        precondition(hp.isStitched, "a stitched model needs readin_dim > 0")
        self.hp = hp
        let l = ParameterLayout(hp), shapes = hp.sessions
        layout = l
        sessions = shapes
        precondition(batches.count == sessions.count, "one batch size per session")
        self.batches = batches
        var starts: [Int] = [], o = 0
        for b in batches { starts.append(o); o += b }
        rowStart = starts
        B = o
        core = LFADSModel(hp: hp.stitchedCore, batch: o, layout: l)
        R = hp.readinDim; F = hp.facDim; TT = hp.seqLen
        inW = shapes.indices.map { l["readin.s\($0).W"].offset }
        inB = shapes.indices.map { l["readin.s\($0).b"].offset }
        outW = shapes.indices.map { l["readout.s\($0).W"].offset }
        outB = shapes.indices.map { l["readout.s\($0).b"].offset }
        zigK = hp.observation.hasScale ? shapes.indices.map { l["zig.s\($0).scale"].offset } : []
        let P = hp.observation.channels
        PC = P
        let TT = hp.seqLen, R = hp.readinDim, F = hp.facDim, sessions = shapes
        xTilde = zip(sessions, batches).map { Buffer(TT * $1 * $0.neurons) }
        xHat = batches.map { Buffer(TT * $0 * R) }
        phiS = batches.map { Buffer(TT * $0 * F) }
        logRates = zip(sessions, batches).map { Buffer(TT * $1 * $0.neurons * P) }
        rates = zip(sessions, batches).map { Buffer(TT * $1 * $0.neurons) }
        dTheta = zip(sessions, batches).map { Buffer(TT * $1 * $0.neurons * P) }
        dPhiS = batches.map { Buffer(TT * $0 * F) }
        dXIn = Buffer(TT * o * R)
        extIn = Buffer(max(TT * o * hp.extInputDim, 1))
        let nan = [Double](repeating: .nan, count: sessions.count)
        sessionTerms = SessionTerms(recon: nan, heldInRecon: nan, svNll: nan)
    }

    public func makeNoise() -> SessionNoise<T> { SessionNoise(core: core.dims, sessions: sessions, batches: batches) }

    /// Sessions with trials in the step (over all ranks): the S_b the recon mean divides by.
    func present(_ o: SessionPassOptions) -> [Bool] { (o.sessionTrials ?? batches).map { $0 > 0 } }

    /// Runs the model and the loss of §18 on xs[s] = x_s [T,B_s,N_s]; exts[s] = e_s [T,B_s,E], required
    /// when ext_input_dim E > 0, are gathered into the core's batch in session order (§16).
    @_specialize(exported: true, where T == Float)
    public func forward(params P: UnsafePointer<T>, xs: [UnsafePointer<T>], exts: [UnsafePointer<T>]? = nil,
                        noise: SessionNoise<T>, weights: LossWeights,
                        options: SessionPassOptions = SessionPassOptions()) -> LossTerms {
        let xIn = core.xIn.p, dIn = noise.core.dIn.p, dIns = noise.core.dIn.scale
        let svScale = T(1 / noise.core.svKeep(hp))
        for (s, shape) in sessions.enumerated() {
            let Bs = batches[s], N = shape.neurons, Nin = N - shape.heldout, Tin = TT - shape.forwardBins
            guard Bs > 0 else { continue }
            // x̃_s in neuron space: SV and CD act here, held-out neurons see zeros (§18).
            let x = xs[s], xt = xTilde[s].p, sv = noise.svMask[s].p, cd = noise.cdKeep[s].p
            let svs = noise.svMask[s].scale, cds = noise.cdKeep[s].scale
            if let src = noise.shiftedSource(s)?.p {
                // Temporal shift (§17): the source already holds x ⊙ s_sv, shifted; NaN (SBTT) enters as 0.
                for i in 0..<(TT * Bs * N) { xt[i] = (i % N) < Nin && !src[i].isNaN ? src[i] * maskValue(cd[i], cds) : 0 }
            } else if hp.usesSBTT {
                // A missing (NaN) element enters as 0, with no rescale (§15).
                for i in 0..<(TT * Bs * N) {
                    xt[i] = (i % N) < Nin && !x[i].isNaN ? x[i] * maskValue(sv[i], svs) * svScale * maskValue(cd[i], cds) : 0
                }
            } else {
                for i in 0..<(TT * Bs * N) {
                    xt[i] = (i % N) < Nin ? x[i] * maskValue(sv[i], svs) * svScale * maskValue(cd[i], cds) : 0
                }
            }
            broadcastRows(P + inB[s], rows: TT * Bs, cols: R, into: xHat[s].p, ld: R)
            gemm(TT * Bs, R, N, xt, N, P + inW[s], R, xHat[s].p, R, beta: 1)
            // Scatter into the core's rows with the input dropout; forward bins stay 0 after the read-in.
            for t in 0..<TT {
                for b in 0..<Bs {
                    let dst = (t * B + rowStart[s] + b) * R, src = xHat[s].p + (t * Bs + b) * R
                    if t < Tin { for j in 0..<R { xIn[dst + j] = src[j] * maskValue(dIn[dst + j], dIns) } }
                    else { for j in 0..<R { xIn[dst + j] = 0 } }
                }
            }
        }
        let E = hp.extInputDim
        if E > 0 {
            precondition(exts?.count == sessions.count, "a model with ext_input_dim \(E) needs every session's external inputs")
            for s in sessions.indices {
                let Bs = batches[s], e = exts![s]
                for t in 0..<TT where Bs > 0 {
                    (extIn.p + (t * B + rowStart[s]) * E).update(from: e + t * Bs * E, count: Bs * E)
                }
            }
        }
        core.forwardFactors(P, ext: E > 0 ? UnsafePointer(extIn.p) : nil, noise: noise.core, sample: options.latents == .sample)

        let kSv = noise.core.svKeep(hp), here = present(options), Sb = Double(max(here.filter { $0 }.count, 1))
        var terms = LossTerms()
        var st = SessionTerms(recon: [], heldInRecon: [], svNll: [])
        var svSum = 0.0
        let skipsLoss = !options.computesLoss && hp.observation == .poisson
        for (s, shape) in sessions.enumerated() {
            let Bs = batches[s], N = shape.neurons, NP = N * PC
            gatherFactors(s)
            broadcastRows(P + outB[s], rows: TT * Bs, cols: NP, into: logRates[s].p, ld: NP)
            if Bs > 0 { gemm(TT * Bs, NP, F, phiS[s].p, F, P + outW[s], NP, logRates[s].p, NP, beta: 1) }
            if skipsLoss { continue }
            let sums = hp.observation == .poisson
                ? reconSums(s, x: xs[s], noise: noise, surrogate: options.cdSurrogate)
                : observationSums(s, P, x: xs[s], noise: noise, surrogate: options.cdSurrogate)
            guard here[s] else { st.recon.append(.nan); st.heldInRecon.append(.nan); st.svNll.append(.nan); continue }
            let (all, visible) = normalisers(s, x: xs[s], options: options)
            // SBTT: with nothing observed a term is 0 (§15).
            let rec = all > 0 ? (sums.rec + kSv * sums.hidden) / (all * kSv) : 0
            let heldIn = visible > 0 ? sums.rec / (visible * kSv) : 0
            let sv = noise.svApplied && hp.svRate > 0 ? (visible > 0 ? sums.sv / (visible * hp.svRate) : 0) : Double.nan
            st.recon.append(rec); st.heldInRecon.append(heldIn); st.svNll.append(sv)
            terms.recon += rec / Sb; terms.heldInRecon += heldIn / Sb
            if !sv.isNaN { svSum += sv / Sb }
        }
        if skipsLoss {
            let none = [Double](repeating: .nan, count: sessions.count)
            sessionTerms = SessionTerms(recon: none, heldInRecon: none, svNll: none)
            return LossTerms()
        }
        sessionTerms = st
        if noise.svApplied && hp.svRate > 0 { terms.svNll = svSum }
        let nAll = Double(options.sessionTrials?.reduce(0, +) ?? B)
        terms.klIc = core.klIc(P) / nAll
        if core.dims.hasController { terms.klCo = core.klCo(P, noise: noise.core, gradScale: nil) / nAll }
        terms.l2 = core.l2Value(P) + zigScalePenalty(P)
        let regularisers = weights.l2 * terms.l2 + weights.kl * (hp.klIcScale * terms.klIc + hp.klCoScale * terms.klCo)
        terms.total = terms.recon + regularisers
        terms.heldInTotal = terms.heldInRecon + regularisers
        return terms
    }

    /// Session s's recon normalisers: its elements, and those the encoder may see (§18: B_s·T·N_s with
    /// B_s global); with SBTT its observed ones (§15), global when the options give them.
    func normalisers(_ s: Int, x: UnsafePointer<T>, options: SessionPassOptions) -> (all: Double, visible: Double) {
        let shape = sessions[s], N = shape.neurons, Nin = N - shape.heldout, Tin = TT - shape.forwardBins
        guard hp.usesSBTT else {
            let nB = Double(options.sessionTrials?[s] ?? batches[s])
            return (nB * Double(TT * N), nB * Double(Tin * Nin))
        }
        if let o = options.sessionObserved?[s] { return (Double(o.all), Double(o.visible)) }
        var all = 0, visible = 0
        for t in 0..<TT {
            for b in 0..<batches[s] {
                for j in 0..<N where !x[(t * batches[s] + b) * N + j].isNaN {
                    all += 1
                    if t < Tin && j < Nin { visible += 1 }
                }
            }
        }
        return (Double(all), Double(visible))
    }

    /// Session s's factor rows φ[t, rowStart_s + b] gathered into [T·B_s, F].
    func gatherFactors(_ s: Int) {
        let Bs = batches[s]
        for t in 0..<TT {
            (phiS[s].p + t * Bs * F).update(from: core.phi.p + (t * B + rowStart[s]) * F, count: Bs * F)
        }
    }

    /// Σ m_sv·ℓ, Σ (1 − m_sv)·ℓ over the elements the encoder may see and Σ ℓ over hidden ones (§5), Poisson.
    func reconSums(_ s: Int, x: UnsafePointer<T>, noise: SessionNoise<T>, surrogate: Bool) -> ReconSums {
        let shape = sessions[s], N = shape.neurons, Bs = batches[s]
        let Nin = N - shape.heldout, Tin = TT - shape.forwardBins
        let lr = logRates[s].p, rate = rates[s].p, svm = noise.svMask[s].p, cdg = noise.cdGrad[s].p
        let svs = noise.svMask[s].scale, cdgs = noise.cdGrad[s].scale
        var sums = ReconSums()
        for t in 0..<TT {
            for b in 0..<Bs {
                for j in 0..<N {
                    let i = (t * Bs + b) * N + j, visible = t < Tin && j < Nin
                    rate[i] = T.exp(lr[i])
                    // Missing (SBTT, §15): a rate, no loss; without SBTT the data hold no NaN.
                    if x[i].isNaN { continue }
                    let xi = Double(x[i])
                    let l: Double
                    if surrogate {
                        let gate = visible ? Double(maskValue(cdg[i], cdgs)) : 1
                        l = poissonNLL(count: xi, logRate: Double(lr[i]) * gate) * gate
                    } else {
                        l = Double(rate[i]) - xi * Double(lr[i]) + (xi > 1 ? stirlingLogFactorial(xi) : 0)
                    }
                    sums.add(l, visible: visible, svKeep: Double(maskValue(svm[i], svs)))
                }
            }
        }
        return sums
    }

    /// Adds scale·∇L into G from the caches of the last `forward` with the same arguments.
    /// Frozen adapters (options.trainReadin/trainReadout false) get no gradient at all.
    @_specialize(exported: true, where T == Float)
    public func backward(params P: UnsafePointer<T>, grads G: UnsafeMutablePointer<T>, xs: [UnsafePointer<T>],
                         noise: SessionNoise<T>, weights: LossWeights,
                         options: SessionPassOptions = SessionPassOptions(), scale: Double = 1) {
        let kSv = noise.core.svKeep(hp), here = present(options), Sb = Double(max(here.filter { $0 }.count, 1))
        for (s, shape) in sessions.enumerated() {
            let Bs = batches[s], N = shape.neurons, Nin = N - shape.heldout, Tin = TT - shape.forwardBins
            guard Bs > 0 else { continue }
            // ∂L_rec/∂θ_s: the base gradient (§6) with the session's own normaliser and the 1/S_b.
            let cD = scale / (Sb * max(normalisers(s, x: xs[s], options: options).all, 1) * kSv)
            let c = T(cD), hiddenC = c * T(kSv), NP = N * PC
            let x = xs[s], dl = dTheta[s].p, rate = rates[s].p, cdg = noise.cdGrad[s].p, sv = noise.svMask[s].p
            let cdgs = noise.cdGrad[s].scale, svs = noise.svMask[s].scale
            if hp.observation == .poisson {
                for t in 0..<TT {
                    for b in 0..<Bs {
                        for j in 0..<N {
                            let i = (t * Bs + b) * N + j
                            dl[i] = x[i].isNaN ? 0
                                : t < Tin && j < Nin ? c * maskValue(cdg[i], cdgs) * maskValue(sv[i], svs) * (rate[i] - x[i])
                                : hiddenC * (rate[i] - x[i])
                        }
                    }
                }
            } else {
                observationBackward(s, P, G, x: x, noise: noise, c: cD, kSv: kSv, scales: options.trainReadout)
            }
            if options.trainReadout {
                gemm(F, NP, TT * Bs, phiS[s].p, F, transA: true, dl, NP, G + outW[s], NP, beta: 1)
                addColumnSums(dl, rows: TT * Bs, cols: NP, ld: NP, into: G + outB[s])
            }
            gemm(TT * Bs, F, NP, dl, NP, P + outW[s], NP, transB: true, dPhiS[s].p, F)
            for t in 0..<TT {
                (core.dPhi.p + (t * B + rowStart[s]) * F).update(from: dPhiS[s].p + t * Bs * F, count: Bs * F)
            }
        }
        if options.trainReadin { dXIn.zero(); core.encoderInputGrad = dXIn.p } else { core.encoderInputGrad = nil }
        var coreOptions = PassOptions()
        coreOptions.normTrials = options.sessionTrials?.reduce(0, +) ?? B
        coreOptions.includeParameterTerms = options.includeParameterTerms
        core.backwardFromFactors(P, G, noise: noise.core, weights: weights, options: coreOptions, scale: scale)
        core.encoderInputGrad = nil
        if options.includeParameterTerms && options.trainReadout { zigScalePenaltyBackward(P, G, scale: scale * weights.l2) }
        guard options.trainReadin else { return }
        let dIn = noise.core.dIn.p, dIns = noise.core.dIn.scale
        for (s, shape) in sessions.enumerated() {
            let Bs = batches[s], N = shape.neurons, Tin = TT - shape.forwardBins
            guard Bs > 0 else { continue }
            // ∂L/∂x̂ = ∂L/∂x̃ ⊙ d_in, 0 in the forward bins; then dW_in = x̃_sᵀ·∂L/∂x̂, db_in = Σ ∂L/∂x̂.
            let dh = xHat[s].p
            for t in 0..<TT {
                for b in 0..<Bs {
                    let src = (t * B + rowStart[s] + b) * R, dst = dh + (t * Bs + b) * R
                    if t < Tin { for j in 0..<R { dst[j] = dXIn.p[src + j] * maskValue(dIn[src + j], dIns) } }
                    else { for j in 0..<R { dst[j] = 0 } }
                }
            }
            gemm(N, R, TT * Bs, xTilde[s].p, N, transA: true, dh, R, G + inW[s], R, beta: 1)
            addColumnSums(dh, rows: TT * Bs, cols: R, ld: R, into: G + inB[s])
        }
    }
}
