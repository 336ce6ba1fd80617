/// Which random tensors a pass draws.
public enum PassKind: Sendable {
    /// Dropout, CD and posterior noise on (a training step).
    case training
    /// Dropout and CD off, posterior noise on (validation pass, posterior sampling).
    case sampling
}

extension NoiseBundle {
    /// Draws the bundle of one pass from streams keyed by (seed, purpose, epoch, step, trial), so
    /// each trial's draws do not depend on its position in the batch or on the rank that runs it.
    /// svMasks holds each trial's [T,N] held-in mask (nil: SV off).
    @_specialize(exported: true, where T == Float)
    public func draw(_ hp: Hyperparameters, trials: [Int], epoch: Int, step: Int, kind: PassKind,
                     svMasks: [[T]]? = nil) {
        let d = dims
        precondition(trials.count == d.B, "bundle for \(d.B) trials, got \(trials.count)")
        let seed = UInt64(hp.seed), e = UInt64(epoch), s = UInt64(step)
        let train = kind == .training
        // Only what is not drawn below is set off.
        if !(train && hp.dropoutRate > 0) { for m in [dIn, dIc, dCi, dPhi, dG0, dG, dExt] { m.fill(1) } }
        if !(train && hp.cdRate > 0) { cdKeep.fill(1); cdGrad.fill(1) }
        if svMasks == nil { svMask.fill(1) }
        svApplied = svMasks != nil
        shiftApplied = false
        let keep = 1 - hp.dropoutRate
        if train && hp.dropoutRate > 0 { for m in [dIn, dIc, dCi, dPhi, dG0, dG, dExt] { m.scale = T(1 / keep) } }
        if train && hp.cdRate > 0 { cdKeep.scale = T(1 / (1 - hp.cdRate)); cdGrad.scale = 1 }
        if svMasks != nil { svMask.scale = 1 }
        for b in 0..<d.B {
            let trial = UInt64(trials[b])
            func stream(_ p: StreamPurpose) -> UInt64 { keyedStream(seed: seed, p, e, s, trial).state }
            if train && hp.dropoutRate > 0 {
                let drop = BernoulliMask(probability: keep)
                drop.fill(dIn.p + b * d.N, width: d.N, rowStride: d.B * d.N, rows: d.T, stream: stream(.dropoutInput))
                drop.fill(dIc.p + b * 2 * d.Eic, width: 2 * d.Eic, rowStride: 0, rows: 1, stream: stream(.dropoutIC))
                drop.fill(dCi.p + b * 2 * d.Eci, width: 2 * d.Eci, rowStride: d.B * 2 * d.Eci, rows: d.T,
                          stream: stream(.dropoutCI))
                drop.fill(dPhi.p + b * d.F, width: d.F, rowStride: d.B * d.F, rows: d.T, stream: stream(.dropoutFactorsToCon))
                drop.fill(dG0.p + b * d.Hg, width: d.Hg, rowStride: 0, rows: 1, stream: stream(.dropoutG0))
                drop.fill(dG.p + b * d.Hg, width: d.Hg, rowStride: d.B * d.Hg, rows: d.T, stream: stream(.dropoutGen))
                // Its own purpose (§16): no other mask's stream moves when E > 0.
                if d.Ext > 0 {
                    drop.fill(dExt.p + b * d.Ext, width: d.Ext, rowStride: d.B * d.Ext, rows: d.T, stream: stream(.dropoutExt))
                }
            }
            if train && hp.cdRate > 0 {
                let cdKeepP = 1 - hp.cdRate
                let row = d.B * d.N, k = cdKeep.p + b * d.N, g = cdGrad.p + b * d.N
                BernoulliMask(probability: cdKeepP)
                    .fill(k, width: d.N, rowStride: row, rows: d.T, stream: stream(.cdKeep))
                // G = ¬keep ∨ pass; the pass stream is read only when cd_pass_rate > 0.
                for t in 0..<d.T {
                    let kr = k + t * row, gr = g + t * row
                    for n in 0..<d.N { gr[n] = kr[n] == 0 ? 1 : 0 }
                }
                if hp.cdPassRate > 0 {
                    BernoulliMask(probability: hp.cdPassRate)
                        .fill(into: g, width: d.N, rowStride: row, rows: d.T, stream: stream(.cdPass), combine: true)
                }
            }
            normals(epsIc.p + b * d.D, width: d.D, rowStride: 0, rows: 1, stream: stream(.epsIC))
            normals(epsCo.p + b * d.U, width: d.U, rowStride: d.B * d.U, rows: d.T, stream: stream(.epsCO))
            normals(epsKl.p + b * d.U, width: d.U, rowStride: d.B * d.U, rows: d.T, stream: stream(.epsKL))
            if let svMasks {
                let m = svMasks[b]
                for t in 0..<d.T {
                    let o = svMask.p + (t * d.B + b) * d.N
                    for n in 0..<d.N { o[n] = m[t * d.N + n] == 0 ? 0 : 1 }
                }
            }
        }
    }

    /// rows × width standard normals (SplitMix64.normal's values, in stream order) into rows
    /// `rowStride` apart.
    private func normals(_ out: UnsafeMutablePointer<T>, width: Int, rowStride: Int, rows: Int, stream: UInt64) {
        var r = SplitMix64(state: stream)
        for t in 0..<rows {
            let o = out + t * rowStride
            for j in 0..<width { o[j] = T(r.normal()) }
        }
    }
}

/// Bernoulli(p) draws into a `Mask`'s bytes, 1 where the draw succeeds and 0 elsewhere, equal to
/// `r.uniform() < p` on successive SplitMix64 outputs. SplitMix64's n-th output is mix(state + n·γ),
/// so a row is a branch-free loop over n, and uniform() < p is the integer test (bits >> 11) < ⌈p·2^53⌉.
struct BernoulliMask {
    let threshold: UInt64

    init(probability p: Double) {
        threshold = UInt64((Swift.min(Swift.max(p, 0), 1) * 0x1p53).rounded(.up))
    }

    /// Fills rows of `width` (rows `rowStride` apart) from the stream whose state is `stream`.
    /// With `combine`, ORs success into a 0/1 mask instead (G = ¬keep ∨ pass).
    @inline(__always)
    func fill(into out: UnsafeMutablePointer<UInt8>, width: Int, rowStride: Int, rows: Int, stream: UInt64, combine: Bool) {
        let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15, thr = threshold
        for t in 0..<rows {
            let o = out + t * rowStride
            let base = stream &+ UInt64(truncatingIfNeeded: t * width) &* gamma
            if combine {
                for j in 0..<width {
                    let z = SplitMix64.mix(base &+ UInt64(truncatingIfNeeded: j + 1) &* gamma)
                    if (z >> 11) < thr { o[j] = 1 }
                }
            } else {
                for j in 0..<width {
                    let z = SplitMix64.mix(base &+ UInt64(truncatingIfNeeded: j + 1) &* gamma)
                    o[j] = (z >> 11) < thr ? 1 : 0
                }
            }
        }
    }

    @inline(__always)
    func fill(_ out: UnsafeMutablePointer<UInt8>, width: Int, rowStride: Int, rows: Int, stream: UInt64) {
        fill(into: out, width: width, rowStride: rowStride, rows: rows, stream: stream, combine: false)
    }
}

/// The fixed SV held-in mask [T,N] of one trial: 1 with probability 1 − sv_rate, keyed by
/// (sv_seed, split, trial index) so it follows the trial into any batch or subsample (§7).
public func sampleValidationMask<T: Scalar>(_ hp: Hyperparameters, split: Int, trialIndex: Int, as: T.Type = T.self) -> [T] {
    var r = keyedStream(seed: UInt64(hp.svSeed), .svMask, UInt64(split), 0, UInt64(trialIndex))
    return (0..<(hp.seqLen * hp.dataDim)).map { _ in r.uniform() < 1 - hp.svRate ? 1 : 0 }
}
