import Foundation
import LFADS
import Training

/// Data parallel scaling of one model's training step: the same minibatch stepped by one rank
/// alone and by a group of K ranks, each taking its 1/K share (docs/model.md §5 "Data parallel").
public struct RankScalingBenchmark {
    public let config: BenchConfig
    public var steps = 15, warmup = 3

    public init(_ config: BenchConfig) { self.config = config }

    /// A model, its optimiser state and the fixed batch, stepped on `comm`'s ranks.
    final class Stepper {
        let trainer: Trainer
        let timed: TimedCommunicator
        var state: TrainerState
        let batch: [Int]
        var index = 0

        init(_ hp: Hyperparameters, comm: Communicator) {
            let B = hp.batchSize, T = hp.seqLen, N = hp.dataDim
            var r = keyedStream(seed: 0, .testData, 0x42454E43)   // the fixed batch StepBenchmark uses
            let counts = (0..<(B * T * N)).map { _ in Float(r.poisson(0.25)) }
            let split = SplitData(counts: counts, trials: B, inds: Array(0..<B), splitID: 0, ext: StepBenchmark.batchExt(hp))
            timed = TimedCommunicator(comm)
            trainer = Trainer(hp: hp, data: TrainingData(train: split, valid: split, T: T, N: N), comm: timed)
            state = TrainerState(hp: hp, params: Initialization.parameters(hp, seed: 0))
            batch = Array(0..<B)
        }

        /// One step; its wall time and the part spent in allreduces, seconds. Every rank of the
        /// communicator must call this together.
        func step() throws -> (seconds: Double, allreduce: Double) {
            let t0 = monotonicSeconds(), a0 = timed.seconds
            _ = try trainer.trainStep(&state, batch: batch, epoch: 0, step: index, weights: .full)
            index += 1
            return (monotonicSeconds() - t0, timed.seconds - a0)
        }
    }

    func stepper(on comm: Communicator) -> Stepper { Stepper(config.hp, comm: comm) }

    /// Times the leader alone, then the whole group, each after its own warm-up. Steps are not
    /// interleaved: a rank that idled while the leader stepped alone starts the next step on a cold,
    /// clocked-down core, 30–80 ms slower on the development VM, which real training never sees.
    /// Every rank of `group` calls this; `barrier` holds the others while the leader steps alone.
    /// The report on the leader, nil on the other ranks.
    public func run(on group: Communicator, threadsPerRank: Int, barrier: () throws -> Void) throws -> RankScalingReport? {
        var oneRank: [Double] = []
        if group.rank == 0 {
            let alone = stepper(on: SingleProcess())
            for i in 0..<(warmup + steps) {
                let t = try alone.step().seconds
                if i >= warmup { oneRank.append(t) }
            }
        }
        try barrier()
        let together = stepper(on: group)
        var grouped: [Double] = [], reduce: [Double] = []
        for i in 0..<(warmup + steps) {
            let t = try together.step()
            if i >= warmup { grouped.append(t.seconds); reduce.append(t.allreduce) }
        }
        // Each rank's own compute (its step less its time in allreduces) shows imbalance between ranks.
        var compute = [Double](repeating: 0, count: group.size)
        compute[group.rank] = median(zip(grouped, reduce).map { $0 - $1 })
        try group.allreduceSum(&compute)
        guard group.rank == 0 else { return nil }
        return RankScalingReport(config: config, bench: self, ranks: group.size, oneRank: median(oneRank),
                                 group: (median(grouped), median(reduce)), computePerRank: compute,
                                 threadsPerRank: threadsPerRank)
    }
}

/// One rank against K ranks on one model, as `spikesae bench --ranks` prints it.
public struct RankScalingReport: Codable, Sendable {
    public var config: String
    public var batch: Int, ranks: Int, steps: Int, warmup: Int
    public var parameters: Int
    /// Bytes one allreduce of the gradient moves per rank: 4 × parameters.
    public var allreduceBytes: Int
    public var msPerStepOneRank: Double, msPerStepGroup: Double
    /// Median time per step inside the allreduces on the group's leader, waiting for the slowest
    /// rank included.
    public var allreduceMsPerStep: Double
    /// Each rank's median step less its time in allreduces.
    public var computeMsPerRank: [Double]
    public var speedup: Double
    /// speedup / ranks.
    public var efficiency: Double
    public var gflopStep: Double
    public var threadsPerRank: Int

    enum CodingKeys: String, CodingKey {
        case config, batch, ranks, steps, warmup, parameters, speedup, efficiency
        case allreduceBytes = "allreduce_bytes", msPerStepOneRank = "ms_per_step_1_rank"
        case msPerStepGroup = "ms_per_step_group", allreduceMsPerStep = "allreduce_ms_per_step"
        case computeMsPerRank = "compute_ms_per_rank"
        case gflopStep = "gflop_step", threadsPerRank = "threads_per_rank"
    }

    /// `oneRank` and `group` are median seconds per step; `allreduce` the group's median per step.
    public init(config: BenchConfig, bench: RankScalingBenchmark, ranks: Int, oneRank: Double,
                group: (step: Double, allreduce: Double), computePerRank: [Double], threadsPerRank: Int) {
        self.config = config.name
        batch = config.hp.batchSize; self.ranks = ranks; steps = bench.steps; warmup = bench.warmup
        parameters = ParameterLayout(config.hp).count
        allreduceBytes = 4 * parameters
        msPerStepOneRank = oneRank * 1e3; msPerStepGroup = group.step * 1e3
        allreduceMsPerStep = group.allreduce * 1e3
        computeMsPerRank = computePerRank.map { $0 * 1e3 }
        speedup = oneRank / group.step
        efficiency = speedup / Double(ranks)
        gflopStep = FlopCount(config.hp, batch: config.hp.batchSize).step / 1e9
        self.threadsPerRank = threadsPerRank
    }

    public var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(self)) ?? Data(), as: UTF8.self)
    }

    public var text: String {
        func f(_ v: Double, _ p: Int = 1) -> String { String(format: "%.\(p)f", v) }
        let per = Double(batch) / Double(ranks)
        return """
            \(config): batch \(batch), \(parameters) parameters, median of \(steps) steps each after \(warmup) warm-up, \(threadsPerRank) OpenBLAS thread(s) per rank
              1 rank        \(f(msPerStepOneRank)) ms/step   \(f(Double(batch) / msPerStepOneRank * 1e3, 0)) trials/s   \(f(gflopStep / msPerStepOneRank * 1e3)) GFLOP/s
              \(ranks) ranks       \(f(msPerStepGroup)) ms/step   \(f(Double(batch) / msPerStepGroup * 1e3, 0)) trials/s   (\(f(per, 1)) trials per rank)
              allreduce     \(f(allreduceMsPerStep, 2)) ms/step on rank 0 (\(f(Double(allreduceBytes) / 1e6, 2)) MB of gradient, waiting for the slowest rank included)
              compute       \(computeMsPerRank.enumerated().map { "rank \($0.offset) \(f($0.element))" }.joined(separator: ", ")) ms/step (step less allreduce)
              speedup       \(f(speedup, 2))×   efficiency \(f(efficiency * 100, 0)) %
            """
    }
}
