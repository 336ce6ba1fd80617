import LFADS

extension Trainer {
    /// SBTT with temporal shift in a stitched step (docs/model.md §17, §18): each session's n_O over the
    /// whole step, counted on the shifted targets. The shifts are keyed by the session's trial keys, so
    /// every rank computes the same counts for trials it does not hold, with no communication.
    func shiftedSessionObserved(_ batch: [[Int]], epoch: Int, step: Int) -> [(all: Int, visible: Int)] {
        let st = stitched!, T = data.T
        return batch.enumerated().map { s, rows in
            let shape = hp.sessions[s], N = shape.neurons, split = st.sessions[s].train
            return split.counts.withUnsafeBufferPointer { c in
                rows.reduce((all: 0, visible: 0)) { acc, row in
                    let rec = SessionNoise<Float>.shifts(hp, .tshiftRec, session: s, trial: split.inds[row], epoch: epoch, step: step)
                    let n = TemporalShift.observedCounts(c.baseAddress! + row * T * N, rec: rec, T: T, N: N,
                                                         Tin: T - shape.forwardBins, Nin: N - shape.heldout)
                    return (acc.all + n.all, acc.visible + n.visible)
                }
            }
        }
    }
}
