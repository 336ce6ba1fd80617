import LFADS

extension AdamState {
    /// `update`, leaving the parameters and both moments of `frozen` ranges bit-unchanged: frozen
    /// adapters and the adapters of sessions absent from a step (docs/model.md §18), as PyTorch's Adam
    /// skips a tensor whose grad is None. The step counter is shared and still advances.
    public mutating func update(_ params: inout [Float], grads: [Float], lr: Double, hp: Hyperparameters,
                                frozen: [Range<Int>]) {
        if frozen.isEmpty { return update(&params, grads: grads, lr: lr, hp: hp) }
        let saved = frozen.map { (Array(params[$0]), Array(m[$0]), Array(v[$0])) }
        update(&params, grads: grads, lr: lr, hp: hp)
        for (r, s) in zip(frozen, saved) {
            params.replaceSubrange(r, with: s.0); m.replaceSubrange(r, with: s.1); v.replaceSubrange(r, with: s.2)
        }
    }
}

extension ParameterLayout {
    /// The flat ranges Adam must leave alone in a stitched step (§18): frozen read-ins/read-outs of every
    /// session, and both adapters of each session with no trial in the step.
    public func frozenRanges(_ hp: Hyperparameters, present: [Bool]) -> [Range<Int>] {
        guard hp.isStitched else { return [] }
        var out: [Range<Int>] = []
        for s in hp.sessions.indices {
            let r = sessionRanges(s)
            if hp.trainReadin == 0 || !present[s] { out.append(r.readin) }
            if hp.trainReadout == 0 || !present[s] { out.append(r.readout) }
        }
        return out
    }
}
