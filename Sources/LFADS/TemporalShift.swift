import Foundation

/// Temporal-shift augmentation (docs/model.md §17): in a training step every neuron of every trial
/// is moved in time by its own integer shift, independently for the encoder's input and for the
/// reconstruction target, so the model cannot lean on exact cross-channel coincidences.
public enum TemporalShift {
    /// The N shifts of one trial: clamp(round(std·ε), −max, max), ε ~ N(0,1) from the stream keyed by
    /// (seed, purpose, epoch, step, trial index), so a trial's shifts do not depend on its batch
    /// position or rank. `purpose` is `.tshiftEnc` or `.tshiftRec`.
    public static func shifts(_ hp: Hyperparameters, _ purpose: StreamPurpose, trial: Int, epoch: Int, step: Int) -> [Int] {
        var r = keyedStream(seed: UInt64(hp.seed), purpose, UInt64(epoch), UInt64(step), UInt64(trial))
        return (0..<hp.dataDim).map { _ in draw(std: hp.temporalShiftStd, max: hp.temporalShiftMax, &r) }
    }

    /// One shift from the stream r (one normal, two uniforms).
    @inline(__always)
    public static func draw(std: Double, max m: Int, _ r: inout SplitMix64) -> Int {
        let v = (std * r.normal()).rounded()
        return Int(Swift.min(Swift.max(v, Double(-m)), Double(m)))
    }

    /// The source bin of output bin t under shift s, edge-replicated into [0, last]:
    /// out[t] = in[clamp(t − s, 0, last)].
    @inline(__always)
    public static func source(_ t: Int, _ s: Int, last: Int) -> Int { Swift.min(Swift.max(t - s, 0), last) }

    /// Shifts one [T,B,N] block by enc and rec, [B,N] each (trial-major), as
    /// `NoiseBundle.applyTemporalShift` describes: `source` becomes shift(x ⊙ s_sv, enc) inside
    /// [0, Tin), x becomes shift(x, rec) over all T and the SV mask moves with it.
    static func apply<T: Scalar>(enc: [Int], rec: [Int], x: UnsafeMutablePointer<T>, sv mask: Mask<T>, svScale: T,
                                 T Tn: Int, Tin: Int, B: Int, N: Int, source src: Buffer<T>) {
        let sv = mask.p, svs = mask.scale, o = src.p
        src.zero()
        for b in 0..<B {
            for n in 0..<N {
                let s = enc[b * N + n]
                for t in 0..<Tin {
                    let i = (source(t, s, last: Tin - 1) * B + b) * N + n
                    o[(t * B + b) * N + n] = sv[i] == 0 ? 0 : x[i] * maskValue(sv[i], svs) * svScale
                }
            }
        }
        // Target and SV mask: one column at a time through a [T] scratch, since the shift reads
        // bins it also writes.
        var col = [T](repeating: 0, count: Tn), mcol = [UInt8](repeating: 0, count: Tn)
        for b in 0..<B {
            for n in 0..<N {
                let s = rec[b * N + n]
                if s == 0 { continue }
                for t in 0..<Tn {
                    let i = (source(t, s, last: Tn - 1) * B + b) * N + n
                    col[t] = x[i]; mcol[t] = sv[i]
                }
                for t in 0..<Tn { let i = (t * B + b) * N + n; x[i] = col[t]; sv[i] = mcol[t] }
            }
        }
    }

    /// Observed (non-NaN) elements of one trial [T,N] (trial-major, as in a split) after the target
    /// shift `rec`: all, and those the encoder may see (t < Tin, n < Nin). Only the target shift
    /// matters: O comes from the shifted target (§17).
    public static func observedCounts(_ trial: UnsafePointer<Float>, rec: [Int], T: Int, N: Int, Tin: Int, Nin: Int)
        -> (all: Int, visible: Int) {
        var all = 0, visible = 0
        for n in 0..<N {
            let s = rec[n]
            for t in 0..<T where !trial[source(t, s, last: T - 1) * N + n].isNaN {
                all += 1
                if t < Tin && n < Nin { visible += 1 }
            }
        }
        return (all, visible)
    }
}

extension NoiseBundle {
    /// Draws this training step's shifts for `trials` and applies them (§17); call after `draw`.
    /// x [T,B,N] holds the raw batch and becomes the target shift(x, s_rec).
    public func applyTemporalShift(_ hp: Hyperparameters, trials: [Int], epoch: Int, step: Int, x: UnsafeMutablePointer<T>) {
        let enc = trials.flatMap { TemporalShift.shifts(hp, .tshiftEnc, trial: $0, epoch: epoch, step: step) }
        let rec = trials.flatMap { TemporalShift.shifts(hp, .tshiftRec, trial: $0, epoch: epoch, step: step) }
        applyTemporalShift(hp, enc: enc, rec: rec, x: x)
    }

    /// Applies given shifts, [B,N] each (trial-major): the gradient check holds them fixed.
    /// - encoder source = shift(x ⊙ s_sv, enc) with the SV-held-out elements zeroed *before* the
    ///   shift, so they can reach no bin; its shift stays inside the bins the encoder may see,
    ///   [0, T_in), and the hidden elements are zeroed later by `encoderInputs` as always (§3a);
    /// - svMask becomes m_sv shifted with `rec`, so the loss's held-out set moves with the target;
    /// - x becomes shift(x, rec) over all T and N, NaN included, so O (SBTT) is ¬isnan(shifted target).
    /// CD keep masks and dropout stay in position space: they multiply the shifted source.
    public func applyTemporalShift(_ hp: Hyperparameters, enc: [Int], rec: [Int], x: UnsafeMutablePointer<T>) {
        let d = dims, N = d.N, B = d.B, Tn = d.T
        precondition(enc.count == B * N && rec.count == B * N, "temporal shifts for \(B)×\(N), got \(enc.count), \(rec.count)")
        let src = shiftStorage ?? Buffer<T>(Tn * B * N)
        TemporalShift.apply(enc: enc, rec: rec, x: x, sv: svMask, svScale: T(1 / svKeep(hp)), T: Tn, Tin: d.Tin, B: B, N: N, source: src)
        shiftEnc = enc; shiftRec = rec
        shiftStorage = src; shiftApplied = true
    }
}
