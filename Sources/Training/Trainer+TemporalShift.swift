import LFADS

extension Trainer {
    /// SBTT with temporal shift (docs/model.md §17): n_O of the whole minibatch counted on the
    /// shifted targets. The shifts are keyed by trial, so every rank of the group computes the same
    /// count for trials it does not hold, with no communication.
    func shiftedObserved(_ batch: [Int], epoch: Int, step: Int) -> (all: Int, visible: Int) {
        let (T, N) = (data.T, data.N), Tin = T - hp.forwardBins, Nin = N - hp.heldoutNeurons
        return data.train.counts.withUnsafeBufferPointer { c in
            batch.reduce((all: 0, visible: 0)) { acc, row in
                let rec = TemporalShift.shifts(hp, .tshiftRec, trial: data.train.inds[row], epoch: epoch, step: step)
                let n = TemporalShift.observedCounts(c.baseAddress! + row * T * N, rec: rec, T: T, N: N, Tin: Tin, Nin: Nin)
                return (acc.all + n.all, acc.visible + n.visible)
            }
        }
    }
}
