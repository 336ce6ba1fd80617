import Foundation
import LFADS
import Training

/// Rank 0 of a group of `size` ranks, alone in this process: the trainer computes only that rank's
/// 1/size share of each minibatch and the allreduces do nothing. Times one rank's compute at rank
/// counts this machine does not have.
final class LoneShare: Communicator {
    let size: Int
    var rank: Int { 0 }
    init(size: Int) { self.size = size }
    func allreduceSum(_ x: inout [Float]) throws {}
    func allreduceSum(_ x: inout [Double]) throws {}
}

/// One rank's compute per step when a group of P ranks shares the batch, for P in `sizes`; with a
/// network's allreduce time it projects the speedup at P ranks (docs/scaling.md).
public struct RankProjection: Codable, Sendable {
    public var config: String
    public var batch: Int
    public var ranks: Int
    public var trialsPerRank: Double
    public var msPerStep: Double
    /// One rank's share of F_step over its time.
    public var gflops: Double
    /// Compute-only speedup over P = 1: t(1) / t(P).
    public var computeSpeedup: Double

    enum CodingKeys: String, CodingKey {
        case config, batch, ranks, gflops
        case trialsPerRank = "trials_per_rank", msPerStep = "ms_per_step", computeSpeedup = "compute_speedup"
    }

    public static func run(_ config: BenchConfig, sizes: [Int], steps: Int, warmup: Int) throws -> [RankProjection] {
        let hp = config.hp, flops = FlopCount(hp, batch: hp.batchSize).step
        var out: [RankProjection] = []
        for p in sizes {
            let s = RankScalingBenchmark.Stepper(hp, comm: LoneShare(size: p))
            for _ in 0..<warmup { _ = try s.step() }
            let t = median(try (0..<steps).map { _ in try s.step().seconds })
            let t1 = p == 1 ? t : out.first { $0.ranks == 1 }.map { $0.msPerStep / 1e3 }
            out.append(RankProjection(config: config.name, batch: hp.batchSize, ranks: p,
                                      trialsPerRank: Double(hp.batchSize) / Double(p), msPerStep: t * 1e3,
                                      gflops: flops / Double(p) / t / 1e9, computeSpeedup: t1.map { $0 / t } ?? .nan))
        }
        return out
    }

    public var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(self)) ?? Data(), as: UTF8.self)
    }

    public var text: String {
        String(format: "  P %4d   %6.1f trials/rank   %8.2f ms/step   %6.1f GFLOP/s   compute speedup %6.2f×",
               ranks, trialsPerRank, msPerStep, gflops, computeSpeedup)
    }
}
