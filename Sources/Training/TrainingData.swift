import LFADS

/// One split's counts in the trainer's form.
public struct SplitData: Sendable {
    /// [K,T,N] row-major, batch-major as in the data file.
    public let counts: [Float]
    public let trials: Int
    /// Each trial's index in the full dataset: the key of its random masks.
    public let inds: [Int]
    /// 0 = train, 1 = valid: part of the SV mask key.
    public let splitID: Int
    /// External inputs [K,T,E] (docs/model.md §16), already zero-padded to T; nil when E = 0.
    public let ext: [Float]?

    public init(counts: [Float], trials: Int, inds: [Int], splitID: Int, ext: [Float]? = nil) {
        precondition(inds.count == trials)
        self.counts = counts; self.trials = trials; self.inds = inds; self.splitID = splitID; self.ext = ext
    }

    /// The external inputs of trials at positions `rows` into e [T,B,E], time-major like x.
    func gatherExt(_ rows: [Int], T: Int, E: Int, into e: inout [Float]) {
        guard E > 0 else { return }
        guard let ext else { preconditionFailure("a model with ext_input_dim \(E) needs the split's external inputs") }
        let B = rows.count
        if e.count != T * B * E { e = [Float](repeating: 0, count: T * B * E) }
        for (b, k) in rows.enumerated() {
            for t in 0..<T { for j in 0..<E { e[(t * B + b) * E + j] = ext[(k * T + t) * E + j] } }
        }
    }

    /// Trials at positions `rows` gathered into x [T,B,N], time-major.
    /// SBTT (docs/model.md §15): observed (non-NaN) elements of each trial, all and those before the
    /// forward bins and held-out neurons. Every rank holds the whole split, so the global n_O of a
    /// minibatch is a sum over its rows, the same on every rank with no communication.
    func observedCounts(T: Int, N: Int, Tin: Int, Nin: Int) -> [(all: Int, visible: Int)] {
        (0..<trials).map { k in
            var all = 0, visible = 0
            for t in 0..<T {
                for j in 0..<N where !counts[(k * T + t) * N + j].isNaN {
                    all += 1
                    if t < Tin && j < Nin { visible += 1 }
                }
            }
            return (all, visible)
        }
    }

    func gather(_ rows: [Int], T: Int, N: Int, into x: inout [Float]) {
        let B = rows.count
        if x.count != T * B * N { x = [Float](repeating: 0, count: T * B * N) }
        counts.withUnsafeBufferPointer { c in
            x.withUnsafeMutableBufferPointer { out in
                for (b, k) in rows.enumerated() {
                    for t in 0..<T {
                        let src = c.baseAddress! + (k * T + t) * N, dst = out.baseAddress! + (t * B + b) * N
                        dst.update(from: src, count: N)
                    }
                }
            }
        }
    }
}

/// Train and valid splits with their dimensions.
public struct TrainingData: Sendable {
    public let train: SplitData, valid: SplitData
    public let T: Int, N: Int
    public init(train: SplitData, valid: SplitData, T: Int, N: Int) {
        self.train = train; self.valid = valid; self.T = T; self.N = N
    }
}
