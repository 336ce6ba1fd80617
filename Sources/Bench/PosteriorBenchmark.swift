import Foundation
import LFADS
import Training

/// Times posterior sampling (docs/model.md §9), the rates `train` and `eval --mode sample` write:
/// `samples` forward passes with fresh posterior noise over one batch of 128 trials, through
/// `inferPosterior`, the function both commands use. The batch is the step benchmark's.
public struct PosteriorBenchmark {
    public let config: BenchConfig
    /// `eval`'s default samples per trial (a model's default `posterior_samples`): what trials/s
    /// are reported at, and how many samples are timed unless told otherwise, so the model built
    /// per call is spread over as many samples as in eval.
    public static let samplesPerTrial = Hyperparameters().posteriorSamples
    /// Samples timed; the report scales trials/s to `samplesPerTrial` samples per trial.
    public var samples = samplesPerTrial

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
