/// Every random tensor one forward pass uses (docs/model.md §12), so the pass itself draws nothing.
/// Time-major [T, B, ·] for per-step tensors, [B, ·] for per-trial ones. Masks are bytes with their
/// inverted-dropout scaling as the mask's `scale` (`Mask`); "off" means ones (masks) or zeros (noise).
public final class NoiseBundle<T: Scalar> {
    public let dims: Dims
    public let dIn: Mask<T>       // [T,B,N]
    public let dIc: Mask<T>       // [B,2Eic]
    public let dCi: Mask<T>       // [T,B,2Eci]
    public let dPhi: Mask<T>      // [T,B,F]  on φ_{t−1} entering the controller at t
    public let dG0: Mask<T>       // [B,Hg]
    public let dG: Mask<T>        // [T,B,Hg]
    public let dExt: Mask<T>      // [T,B,E]  on the external inputs (§17)
    public let cdKeep: Mask<T>    // [T,B,N]  s_cd = keep/(1−cd_rate)
    public let cdGrad: Mask<T>    // [T,B,N]  G ∈ {0,1}
    public let svMask: Mask<T>    // [T,B,N]  m_sv ∈ {0,1} (1 = held in)
    public let epsIc: Buffer<T>   // [B,D]
    public let epsCo: Buffer<T>   // [T,B,U]
    public let epsKl: Buffer<T>   // [T,B,U]  ε′ of the KL_co estimate
    /// Whether svMask holds elements out in this pass (training, samp-valid). Only then is the
    /// encoder input scaled by 1/(1 − sv_rate) and the loss normalised by k_sv; posterior sampling
    /// and the posterior mean see raw x, whatever sv_rate the model was trained with.
    public var svApplied = false
    /// Temporal shift (docs/model.md §17), training only: when set, the encoder reads this
    /// [T,B,N] source, shift(x ⊙ s_sv, s_enc), instead of x ⊙ s_sv, and svMask holds m_sv shifted with
    /// s_rec. `NoiseBundle.applyTemporalShift` sets it; `draw` and `setAllOff` clear it.
    public var shiftedSource: Buffer<T>? { shiftApplied ? shiftStorage : nil }
    var shiftApplied = false
    /// Kept across steps, so a step allocates no new source once the first has run.
    var shiftStorage: Buffer<T>? = nil
    /// The last applied shifts, [B,N] each (trial-major), for tests and the gradient check.
    public internal(set) var shiftEnc: [Int] = [], shiftRec: [Int] = []

    /// k_sv of this pass: 1 − sv_rate where the SV mask applies, 1 elsewhere.
    public func svKeep(_ hp: Hyperparameters) -> Double { svApplied ? 1 - hp.svRate : 1 }

    public init(_ d: Dims) {
        dims = d
        let TB = d.T * d.B
        dIn = Mask(TB * d.N); dIc = Mask(d.B * 2 * d.Eic); dCi = Mask(TB * 2 * d.Eci)
        dPhi = Mask(TB * d.F); dG0 = Mask(d.B * d.Hg); dG = Mask(TB * d.Hg)
        dExt = Mask(TB * d.Ext)
        cdKeep = Mask(TB * d.N); cdGrad = Mask(TB * d.N); svMask = Mask(TB * d.N)
        epsIc = Buffer(d.B * d.D); epsCo = Buffer(TB * d.U); epsKl = Buffer(TB * d.U)
        setAllOff()
    }

    /// No dropout, no CD, everything held in, zero noise: the posterior-mean pass.
    public func setAllOff() {
        for m in [dIn, dIc, dCi, dPhi, dG0, dG, dExt, cdKeep, cdGrad, svMask] { m.fill(1) }
        for e in [epsIc, epsCo, epsKl] { e.zero() }
        svApplied = false
        shiftApplied = false
    }
}
