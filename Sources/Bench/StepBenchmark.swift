import Foundation
import LFADS
import Training

/// Times the training step of docs/model.md §11 through the trainer's own `trainStep`:
/// draw every mask and noise tensor, forward and loss, backward, global-norm clip, Adam, on a fixed
/// Poisson(0.25) batch, KL and L2 at full weight.
public struct StepBenchmark {
    public let config: BenchConfig
    public var steps = 15, warmup = 3, splitSteps = 5

    public init(_ config: BenchConfig) { self.config = config }

    public struct Timing: Sendable {
        /// Median wall time of one step, seconds.
        public var step: Double
        /// Median GEMM time and median rest (element-wise, noise draw, Adam) of one step, seconds,
        /// from a separate pass with every GEMM timed.
        public var gemm: Double, elementwise: Double
        /// The timed pass's median step (the timer's own overhead shows as its excess over `step`).
        public var splitPassStep: Double
        /// GEMM calls and time per step by shape, slowest total first.
        public var shapes: [(shape: GemmTimer.Shape, calls: Int, seconds: Double, gflops: Double)]
    }

    /// The fixed Poisson(0.25) batch [B,T,N] every benchmark runs on.
    static func batchCounts(_ hp: Hyperparameters) -> [Float] {
        var r = keyedStream(seed: 0, .testData, 0x42454E43)   // "BENC"
        return (0..<(hp.batchSize * hp.seqLen * hp.dataDim)).map { _ in Float(r.poisson(0.25)) }
    }

    public func run() throws -> Timing {
        let hp = config.hp, B = hp.batchSize, T = hp.seqLen, N = hp.dataDim
        let split = SplitData(counts: Self.batchCounts(hp), trials: B, inds: Array(0..<B), splitID: 0, ext: Self.batchExt(hp))
        let trainer = Trainer(hp: hp, data: TrainingData(train: split, valid: split, T: T, N: N))
        var state = TrainerState(hp: hp, params: Initialization.parameters(hp, seed: 0))
        let batch = Array(0..<B)
        var stepIndex = 0
        func step() throws {
            _ = try trainer.trainStep(&state, batch: batch, epoch: 0, step: stepIndex, weights: .full)
            stepIndex += 1
        }
        for _ in 0..<warmup { try step() }
        var times: [Double] = []
        for _ in 0..<steps {
            let t0 = benchSeconds()
            try step()
            times.append(benchSeconds() - t0)
        }
        GemmTimer.reset()
        GemmTimer.enabled = true
        defer { GemmTimer.enabled = false }
        var splitTimes: [Double] = [], gemmTimes: [Double] = []
        for _ in 0..<splitSteps {
            let g0 = GemmTimer.total.nanoseconds
            let t0 = benchSeconds()
            try step()
            splitTimes.append(benchSeconds() - t0)
            gemmTimes.append(Double(GemmTimer.total.nanoseconds - g0) * 1e-9)
        }
        let n = Double(splitSteps)
        let shapes = GemmTimer.byShape.map { (s, v) in
            (shape: s, calls: v.calls / splitSteps, seconds: Double(v.nanoseconds) * 1e-9 / n,
             gflops: v.flops / (Double(v.nanoseconds) * 1e-9) / 1e9)
        }.sorted { $0.seconds > $1.seconds }
        let rest = zip(splitTimes, gemmTimes).map { $0 - $1 }
        return Timing(step: median(times), gemm: median(gemmTimes), elementwise: median(rest),
                      splitPassStep: median(splitTimes), shapes: shapes)
    }
}

func median(_ v: [Double]) -> Double {
    let s = v.sorted()
    if s.isEmpty { return .nan }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

extension StepBenchmark {
    /// Zero external inputs [B,T,E] for a model that reads them (docs/model.md §16): the same work
    /// as real inputs; nil when E = 0.
    static func batchExt(_ hp: Hyperparameters) -> [Float]? {
        hp.extInputDim > 0 ? [Float](repeating: 0, count: hp.batchSize * hp.seqLen * hp.extInputDim) : nil
    }
}
