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
        setAllOff()
        let seed = UInt64(hp.seed), e = UInt64(epoch), s = UInt64(step)
        let train = kind == .training
        let keep = 1 - hp.dropoutRate
        for (b, trial) in trials.enumerated() {
            func stream(_ p: StreamPurpose) -> SplitMix64 { keyedStream(seed: seed, p, e, s, UInt64(trial)) }
            // Per-step tensors [T,B,w]: element (t, b, j).
            func perStep(_ buf: Buffer<T>, _ w: Int, _ p: StreamPurpose, _ f: (inout SplitMix64) -> T) {
                var r = stream(p)
                for t in 0..<d.T { for j in 0..<w { buf[(t * d.B + b) * w + j] = f(&r) } }
            }
            func perTrial(_ buf: Buffer<T>, _ w: Int, _ p: StreamPurpose, _ f: (inout SplitMix64) -> T) {
                var r = stream(p)
                for j in 0..<w { buf[b * w + j] = f(&r) }
            }
            if train && hp.dropoutRate > 0 {
                let drop: (inout SplitMix64) -> T = { $0.uniform() < keep ? T(1 / keep) : 0 }
                perStep(dIn, d.N, .dropoutInput, drop)
                perTrial(dIc, 2 * d.Eic, .dropoutIC, drop)
                perStep(dCi, 2 * d.Eci, .dropoutCI, drop)
                perStep(dPhi, d.F, .dropoutFactorsToCon, drop)
                perTrial(dG0, d.Hg, .dropoutG0, drop)
                perStep(dG, d.Hg, .dropoutGen, drop)
            }
            if train && hp.cdRate > 0 {
                let cdKeepP = 1 - hp.cdRate
                var rk = stream(.cdKeep), rp = stream(.cdPass)
                for t in 0..<d.T {
                    for n in 0..<d.N {
                        let i = (t * d.B + b) * d.N + n
                        let kept = rk.uniform() < cdKeepP
                        let pass = hp.cdPassRate > 0 && rp.uniform() < hp.cdPassRate
                        cdKeep[i] = kept ? T(1 / cdKeepP) : 0
                        cdGrad[i] = (!kept || pass) ? 1 : 0
                    }
                }
            }
            let normal: (inout SplitMix64) -> T = { T($0.normal()) }
            perTrial(epsIc, d.D, .epsIC, normal)
            perStep(epsCo, d.U, .epsCO, normal)
            perStep(epsKl, d.U, .epsKL, normal)
            if let svMasks {
                let m = svMasks[b]
                for t in 0..<d.T { for n in 0..<d.N { svMask[(t * d.B + b) * d.N + n] = m[t * d.N + n] } }
            }
        }
    }
}

/// The fixed SV held-in mask [T,N] of one trial: 1 with probability 1 − sv_rate, keyed by
/// (sv_seed, split, trial index) so it follows the trial into any batch or subsample (§7).
public func sampleValidationMask<T: Scalar>(_ hp: Hyperparameters, split: Int, trialIndex: Int, as: T.Type = T.self) -> [T] {
    var r = keyedStream(seed: UInt64(hp.svSeed), .svMask, UInt64(split), 0, UInt64(trialIndex))
    return (0..<(hp.seqLen * hp.dataDim)).map { _ in r.uniform() < 1 - hp.svRate ? 1 : 0 }
}
