/// Ramp weights of one epoch (docs/model.md §5).
public struct LossWeights: Sendable, Equatable {
    public var kl: Double, l2: Double
    public init(kl: Double, l2: Double) { self.kl = kl; self.l2 = l2 }
    public static let full = LossWeights(kl: 1, l2: 1)
}

/// Every loss term of one pass, unscaled; KL terms unweighted, L2 with each kernel's s_k (as in golden files).
public struct LossTerms: Sendable, Equatable {
    public var total = 0.0, recon = 0.0, klIc = 0.0, klCo = 0.0, l2 = 0.0
    /// L_rec over the elements the encoder may see (held-in neurons, observed bins) only: the
    /// validation NLL that selects models. Equals `recon` when nothing is held out.
    public var heldInRecon = 0.0
    /// `total` with `heldInRecon` in place of `recon`: the validation loss of the plateau schedule.
    public var heldInTotal = 0.0
    /// NLL_sv over the SV-held-out elements; NaN when SV is off.
    public var svNll = Double.nan
    public init() {}
}

public enum LatentMode: Sendable { case sample, posteriorMean }

/// How one pass normalises and what it computes.
public struct PassOptions: Sendable {
    public var latents: LatentMode = .sample
    /// Trials in the normaliser: the global batch, summed over a model group's ranks. Nil = this batch.
    public var normTrials: Int? = nil
    /// SBTT (§15): observed elements (all, and visible to the encoder) in the normaliser, summed over
    /// the group's global batch. Nil = counted in this batch.
    public var normObserved: (all: Int, visible: Int)? = nil
    /// Whether this pass adds the parameter-only L2 gradient (exactly one rank of a group does).
    public var includeParameterTerms = true
    /// Compute the CD surrogate L_s (§6) as `total` instead of L: for finite differences only.
    public var cdSurrogate = false
    /// Whether forward computes the loss. Poisson passes that need only the log-rates (posterior
    /// sampling) skip it: rates, NLL sums, KL and L2 are left unset and the terms returned are zero.
    public var computesLoss = true
    public init() {}
}

/// The LFADS sequential autoencoder with CD and SV: forward, loss and hand-written backward
/// (docs/model.md §2–7), over one flat parameter buffer. Holds its workspaces for one batch size.
public final class LFADSModel<T: Scalar> {
    public let hp: Hyperparameters
    public let layout: ParameterLayout
    public let dims: Dims
    public var mutation: BackwardMutation = .none
    /// When set, backward adds ∂L/∂x̃ [T,B,N] here (trainable read-ins, docs/model.md §18).
    var encoderInputGrad: UnsafeMutablePointer<T>? = nil

    let icFwdP: GRUParams, icBwdP: GRUParams, genP: GRUParams
    let ciFwdP: GRUParams?, ciBwdP: GRUParams?, conP: GRUParams?
    let off: Offsets

    // Forward caches, time-major.
    let xIn: Buffer<T>                         // [T,B,N] encoder input x̃
    let icFwd: GRURun<T>, icBwd: GRURun<T>     // x̃ projected for all steps at once
    let ciFwd: GRURun<T>?, ciBwd: GRURun<T>?
    let encoders: [GRURun<T>]
    let eIc: Buffer<T>                         // [B,2Eic] after d_ic
    public let icMean: Buffer<T>, icLogvar: Buffer<T>, icVar: Buffer<T>, z: Buffer<T>   // [B,D]
    let gen: GRURun<T>                         // slot 0 = g0; u_t fused
    let con: GRURun<T>?                        // φ_{t−1} ⊙ d_φ,t fused
    let ci: Buffer<T>                          // [T,B,2Eci]
    public let coMean: Buffer<T>, coLogvar: Buffer<T>, u: Buffer<T>   // [T,B,U]
    let coW: Buffer<T>                         // [Hc,2U] W_mean | W_logvar side by side: one GEMM
    let coWT: Buffer<T>                        // [2U,Hc] its transpose, for backward's NN products
    let coOut: Buffer<T>                       // [B,2U]
    let gDropped: Buffer<T>                    // [T,B,Hg] g_t ⊙ d_g,t
    let g0Dropped: Buffer<T>                   // [B,Hg]
    let phiInit: Buffer<T>                     // [B,F] φ_{−1}
    public let phi: Buffer<T>                         // [T,B,F]
    /// The read-out θ [T,B,N·P]; for Poisson (P = 1) the log-rates λ.
    public let logRates: Buffer<T>
    /// [T,B,N] exp(λ) for Poisson, shared by the loss and its gradient; the mean m(θ) otherwise.
    public let rates: Buffer<T>
    let facNorm: Buffer<T>                     // [F] column norms of fac.W
    let facW: Buffer<T>                        // [Hg,F] W̃
    let facWT: Buffer<T>                       // [F,Hg] W̃ᵀ, for backward's NN products

    // Backward workspaces.
    let dLogRates: Buffer<T>, dPhi: Buffer<T>, dPhiInit: Buffer<T>
    let dg: Buffer<T>                          // [B,U+E+Hg] generator rows [du_t | dẽ_t (unused) | ∂L/∂g]
    let ds: Buffer<T>                          // [B,F+Hc] controller rows [dφ_{t−1} | ∂L/∂s]
    let dTmp: Buffer<T>
    let dCo: Buffer<T>                         // [T,B,2U] ∂L/∂[μ_co | ℓ_co]
    let klCoDMean: Buffer<T>, klCoDLogvar: Buffer<T>
    let dCoW: Buffer<T>                        // [Hc,2U]
    let dCi: Buffer<T>, dFacW: Buffer<T>
    let dEnc: Buffer<T>                        // [T,B,Eci] gradient on the CI forward encoder's outputs
    let dEncCi: Buffer<T>                      // [T,B,Eci] second CI direction
    let dEncRows: Buffer<T>                    // [B,max E] an encoder's backward rows
    let dIcMean: Buffer<T>, dIcLogvar: Buffer<T>, dEIc: Buffer<T>, dZ: Buffer<T>

    /// `layout` overrides the one hp implies: the shared core of a multi-session model reads its
    /// tensors at the stitched layout's offsets (docs/model.md §18).
    public init(hp: Hyperparameters, batch B: Int, layout given: ParameterLayout? = nil) {
        self.hp = hp
        layout = given ?? ParameterLayout(hp)
        let d = Dims(hp, batch: B)
        dims = d
        icFwdP = GRUParams(layout, "ic_enc_fwd"); icBwdP = GRUParams(layout, "ic_enc_bwd")
        genP = GRUParams(layout, "gen")
        if d.hasController {
            ciFwdP = GRUParams(layout, "ci_enc_fwd"); ciBwdP = GRUParams(layout, "ci_enc_bwd")
            conP = GRUParams(layout, "con")
        } else { ciFwdP = nil; ciBwdP = nil; conP = nil }
        off = Offsets(layout)

        let TB = d.T * B, N = d.N
        xIn = Buffer(TB * N)
        // Only the generator's states are read from outside (outputs, tests) as one [T,B,Hg] block.
        func run(_ H: Int, _ I: Int, reverse: Bool = false, contiguous: Bool = false) -> GRURun<T> {
            GRURun(T: d.T, B: B, H: H, inputs: I, reverse: reverse, contiguousStates: contiguous, keepsUnclipped: false)
        }
        icFwd = run(d.Eic, 0); icBwd = run(d.Eic, 0, reverse: true)
        ciFwd = d.hasController ? run(d.Eci, 0) : nil
        ciBwd = d.hasController ? run(d.Eci, 0, reverse: true) : nil
        encoders = [icFwd, icBwd] + [ciFwd, ciBwd].compactMap { $0 }
        eIc = Buffer(B * 2 * d.Eic)
        icMean = Buffer(B * d.D); icLogvar = Buffer(B * d.D); icVar = Buffer(B * d.D); z = Buffer(B * d.D)
        gen = run(d.Hg, d.genIn, contiguous: true)
        con = d.hasController ? run(d.Hc, d.F) : nil
        ci = Buffer(TB * 2 * d.Eci)
        coMean = Buffer(TB * d.U); coLogvar = Buffer(TB * d.U); u = Buffer(TB * d.U)
        coW = Buffer(d.Hc * 2 * d.U); coWT = Buffer(d.Hc * 2 * d.U); coOut = Buffer(B * 2 * d.U)
        gDropped = Buffer(TB * d.Hg); g0Dropped = Buffer(B * d.Hg)
        phiInit = Buffer(B * d.F); phi = Buffer(TB * d.F); logRates = Buffer(TB * N * d.P); rates = Buffer(TB * N)
        facNorm = Buffer(d.F); facW = Buffer(d.Hg * d.F); facWT = Buffer(d.Hg * d.F)

        dLogRates = Buffer(TB * N * d.P); dPhi = Buffer(TB * d.F); dPhiInit = Buffer(B * d.F)
        dg = Buffer(B * (d.genIn + d.Hg)); ds = Buffer(B * (d.F + d.Hc))
        dTmp = Buffer(B * max(d.Hg, d.F, 2 * d.Eic, d.Eci, 1))
        dCo = Buffer(TB * 2 * d.U)
        klCoDMean = Buffer(TB * d.U); klCoDLogvar = Buffer(TB * d.U); dCoW = Buffer(d.Hc * 2 * d.U)
        dCi = Buffer(TB * 2 * d.Eci); dFacW = Buffer(d.Hg * d.F)
        dEnc = Buffer(TB * d.Eci); dEncCi = Buffer(TB * d.Eci); dEncRows = Buffer(B * max(d.Eic, d.Eci))
        dIcMean = Buffer(B * d.D); dIcLogvar = Buffer(B * d.D); dEIc = Buffer(B * 2 * d.Eic); dZ = Buffer(B * d.D)
    }

    /// Offsets of the non-GRU tensors.
    struct Offsets {
        let icPostWMean, icPostWLogvar, icPostBMean, icPostBLogvar, icPriorMean: Int
        let g0W, g0B: Int
        let coWMean, coWLogvar, coBMean, coBLogvar, logTau, logNvar: Int
        let facW, readoutW, readoutB: Int
        let zigScale: Int

        init(_ l: ParameterLayout) {
            func o(_ n: String) -> Int { l.contains(n) ? l[n].offset : -1 }
            icPostWMean = o("ic_post.W_mean"); icPostWLogvar = o("ic_post.W_logvar")
            icPostBMean = o("ic_post.b_mean"); icPostBLogvar = o("ic_post.b_logvar")
            icPriorMean = o("ic_prior.mean"); g0W = o("ic_to_g0.W"); g0B = o("ic_to_g0.b")
            coWMean = o("co_post.W_mean"); coWLogvar = o("co_post.W_logvar")
            coBMean = o("co_post.b_mean"); coBLogvar = o("co_post.b_logvar")
            logTau = o("co_prior.log_tau"); logNvar = o("co_prior.log_nvar")
            facW = o("fac.W"); readoutW = o("readout.W"); readoutB = o("readout.b")
            zigScale = o("zig.scale")
        }
    }

    /// The undropped, clipped generator states g_t of the last pass, [T,B,Hg].
    public var generatorStates: UnsafeMutablePointer<T> { gen.output(0) }

    /// The kernels that carry an L2 penalty with their scales (§5).
    var l2Kernels: [(offset: Int, count: Int, scale: Double)] {
        var k: [(String, Double)] = [("gen.W_h", hp.l2GenScale), ("ic_enc_fwd.W_h", hp.l2IcEncScale),
                                     ("ic_enc_bwd.W_h", hp.l2IcEncScale)]
        if dims.hasController {
            k += [("con.W_h", hp.l2ConScale), ("ci_enc_fwd.W_h", hp.l2CiEncScale), ("ci_enc_bwd.W_h", hp.l2CiEncScale)]
        }
        return k.filter { $0.1 > 0 }.map { (layout[$0.0].offset, layout[$0.0].count, $0.1) }
    }

    /// Σ numel of the penalised kernels, + 1e−8 (LT's normalisation).
    var l2Denominator: Double { Double(l2Kernels.reduce(0) { $0 + $1.count }) + 1e-8 }
}
