import Foundation
import LFADS
import Training

/// Times posterior sampling (docs/model.md §9), the rates `train` and `eval --mode sample` write:
/// `samples` forward passes with fresh posterior noise over one batch of 128 trials, through
/// `inferPosterior`, the function both commands use. The batch is the step benchmark's.
public struct PosteriorBenchmark {
    public let config: BenchConfig
    /// Samples timed; the report scales trials/s to `eval`'s default of 50 samples per trial.
    public var samples = 50

    public init(_ config: BenchConfig) { self.config = config }

    /// Seconds for `samples` samples of the batch (the better of two runs after one untimed sample).
    public func run() -> Double {
        let hp = config.hp, B = hp.batchSize, T = hp.seqLen, N = hp.dataDim
        let split = SplitData(counts: StepBenchmark.batchCounts(hp), trials: B, inds: Array(0..<B), splitID: 1,
                              ext: StepBenchmark.batchExt(hp))
        let params: [Float] = Initialization.parameters(hp, seed: 0)
        func infer(_ s: Int) {
            _ = inferPosterior(hp: hp, params: params, split: split, T: T, N: N, estimator: .sampleAverage(samples: s))
        }
        infer(1)
        var best = Double.infinity
        for _ in 0..<2 {
            let t0 = benchSeconds()
            infer(samples)
            best = min(best, benchSeconds() - t0)
        }
        return best
    }
}
