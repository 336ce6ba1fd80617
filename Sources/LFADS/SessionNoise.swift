/// The random tensors of one stitched pass (docs/model.md §18): the shared core's bundle over all
/// ΣB_s trials ([T,B,R] input dropout on the read-in output, every other dropout and noise), and per
/// session the neuron-space masks CD and SV act on, [T,B_s,N_s].
public final class SessionNoise<T: Scalar> {
    public let core: NoiseBundle<T>
    public let cdKeep: [Mask<T>], cdGrad: [Mask<T>], svMask: [Mask<T>]
    /// Temporal shift (§17), training only: each session's shifted encoder source [T,B_s,N_s], set by
    /// `applyTemporalShift` and cleared by `draw` and `setAllOff` (storage kept across steps).
    var shiftStorage: [Buffer<T>?], shiftApplied: [Bool]

    public init(core d: Dims, sessions: [SessionShape], batches: [Int]) {
        core = NoiseBundle(d)
        cdKeep = zip(sessions, batches).map { Mask(d.T * $1 * $0.neurons) }
        cdGrad = zip(sessions, batches).map { Mask(d.T * $1 * $0.neurons) }
        svMask = zip(sessions, batches).map { Mask(d.T * $1 * $0.neurons) }
        shiftStorage = sessions.map { _ in nil }; shiftApplied = sessions.map { _ in false }
        setAllOff()
    }

    public var svApplied: Bool { core.svApplied }

    public func setAllOff() {
        core.setAllOff()
        for m in cdKeep + cdGrad + svMask { m.fill(1) }
        for s in shiftApplied.indices { shiftApplied[s] = false }
    }

    /// The draw key of trial k of session s: session 0 keeps the base keys, so one session with a
    /// read-in draws exactly the base model's streams; later sessions sit 2^40 apart.
    public static func trialKey(session s: Int, trial k: Int) -> Int { k + s << 40 }

    /// Draws the pass from streams keyed as the base bundle's (§12), trials[s] being session s's trial
    /// indices. svMasks[s][b] is trial b's [T,N_s] held-in mask (nil: SV off).
    public func draw(_ hp: Hyperparameters, trials: [[Int]], epoch: Int, step: Int, kind: PassKind,
                     svMasks: [[[T]]]? = nil) {
        let shapes = hp.sessions
        var coreHp = hp.stitchedCore
        coreHp.cdRate = 0
        let keys = trials.enumerated().flatMap { s, ks in ks.map { Self.trialKey(session: s, trial: $0) } }
        core.draw(coreHp, trials: keys, epoch: epoch, step: step, kind: kind,
                  svMasks: nil)
        core.svApplied = svMasks != nil
        for s in shiftApplied.indices { shiftApplied[s] = false }
        let T_ = core.dims.T, seed = UInt64(hp.seed), e = UInt64(epoch), st = UInt64(step)
        for (s, ks) in trials.enumerated() {
            let N = shapes[s].neurons, B = ks.count
            precondition(cdKeep[s].count == T_ * B * N, "session \(s): bundle for another batch")
            let train = kind == .training && hp.cdRate > 0
            if !train { cdKeep[s].fill(1); cdGrad[s].fill(1) }
            if svMasks == nil { svMask[s].fill(1) } else { svMask[s].scale = 1 }
            if train { cdKeep[s].scale = T(1 / (1 - hp.cdRate)); cdGrad[s].scale = 1 }
            for (b, k) in ks.enumerated() {
                let trial = UInt64(Self.trialKey(session: s, trial: k))
                if train {
                    let keep = 1 - hp.cdRate, row = B * N
                    let kp = cdKeep[s].p + b * N, g = cdGrad[s].p + b * N
                    BernoulliMask(probability: keep)
                        .fill(kp, width: N, rowStride: row, rows: T_, stream: keyedStream(seed: seed, .cdKeep, e, st, trial).state)
                    for t in 0..<T_ { for n in 0..<N { g[t * row + n] = kp[t * row + n] == 0 ? 1 : 0 } }
                    if hp.cdPassRate > 0 {
                        BernoulliMask(probability: hp.cdPassRate)
                            .fill(into: g, width: N, rowStride: row, rows: T_,
                                  stream: keyedStream(seed: seed, .cdPass, e, st, trial).state, combine: true)
                    }
                }
                if let svMasks {
                    let m = svMasks[s][b]
                    for t in 0..<T_ {
                        let o = svMask[s].p + (t * B + b) * N
                        for n in 0..<N { o[n] = m[t * N + n] == 0 ? 0 : 1 }
                    }
                }
            }
        }
    }
}

/// The fixed SV mask of trial k of session s (§7 keyed as §18): session 0's is the base model's.
public func sessionValidationMask<T: Scalar>(_ hp: Hyperparameters, session s: Int, split: Int, trialIndex k: Int,
                                             as: T.Type = T.self) -> [T] {
    var h = hp
    h.dataDim = hp.sessions[s].neurons
    return sampleValidationMask(h, split: split, trialIndex: SessionNoise<T>.trialKey(session: s, trial: k))
}
