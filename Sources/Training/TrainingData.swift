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

    public init(counts: [Float], trials: Int, inds: [Int], splitID: Int) {
        precondition(inds.count == trials)
        self.counts = counts; self.trials = trials; self.inds = inds; self.splitID = splitID
    }

    /// Trials at positions `rows` gathered into x [T,B,N], time-major.
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
