/// Temporal shift (docs/model.md §17) in a stitched model (§18): each session's trials are shifted in
/// neuron space before the read-in, with shifts keyed by the session's trial keys k + s·2^40, so no
/// two sessions share a draw and a trial's shifts do not depend on its batch or rank.
extension SessionNoise {
    /// Session s's shifted encoder source of this pass, or nil.
    public func shiftedSource(_ s: Int) -> Buffer<T>? { shiftApplied[s] ? shiftStorage[s] : nil }

    /// Session s's N_s shifts of trial k for `purpose` (`.tshiftEnc` or `.tshiftRec`).
    public static func shifts(_ hp: Hyperparameters, _ purpose: StreamPurpose, session s: Int, trial k: Int,
                              epoch: Int, step: Int) -> [Int] {
        var h = hp
        h.dataDim = hp.sessions[s].neurons
        return TemporalShift.shifts(h, purpose, trial: trialKey(session: s, trial: k), epoch: epoch, step: step)
    }

    /// Draws and applies session s's shifts for its `trials` (after `draw`), as
    /// `NoiseBundle.applyTemporalShift`: the encoder source is shift(x ⊙ s_sv, s_enc) inside the bins the
    /// encoder may see, x [T,B_s,N_s] becomes the target shift(x, s_rec) (NaN included) and the session's
    /// SV mask moves with s_rec.
    public func applyTemporalShift(_ hp: Hyperparameters, session s: Int, trials: [Int], epoch: Int, step: Int,
                                   x: UnsafeMutablePointer<T>) {
        let shape = hp.sessions[s], N = shape.neurons, B = trials.count, Tn = core.dims.T, Tin = Tn - shape.forwardBins
        precondition(svMask[s].count == Tn * B * N, "session \(s): bundle for another batch")
        let enc = trials.flatMap { Self.shifts(hp, .tshiftEnc, session: s, trial: $0, epoch: epoch, step: step) }
        let rec = trials.flatMap { Self.shifts(hp, .tshiftRec, session: s, trial: $0, epoch: epoch, step: step) }
        let src = shiftStorage[s] ?? Buffer<T>(Tn * B * N)
        TemporalShift.apply(enc: enc, rec: rec, x: x, sv: svMask[s], svScale: T(1 / core.svKeep(hp)), T: Tn, Tin: Tin,
                            B: B, N: N, source: src)
        shiftStorage[s] = src; shiftApplied[s] = true
    }
}
