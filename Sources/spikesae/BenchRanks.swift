import App
import ArgumentParser
import Bench
import Cluster
import Foundation
import Training

/// `spikesae bench --ranks` under `mpirun -np K`: one rank alone against all K ranks together on
/// the same model and minibatch, printed by rank 0.
enum BenchRanks {
    static func run(configs: [String], steps: Int, warmup: Int, threads: Int?, json: Bool) throws {
        // Each rank is bound to one core by mpirun, so more BLAS threads would only contend.
        BLASInfo.setThreads(threads ?? 1)
        try endCommand(exitCode: ModelGroupLaunch.run(ranksPerModel: nil) { comm in
            guard let group = comm as? MPICommunicator, group.size > 1 else {
                throw ClusterError("--ranks compares 1 rank with K: start it as `mpirun -np K spikesae bench --ranks ...` with K ≥ 2")
            }
            let benches = try agree(group) {
                try configs.map { name -> RankScalingBenchmark in
                    var b = RankScalingBenchmark(try BenchConfig.resolve(name))
                    b.steps = steps; b.warmup = warmup
                    return b
                }
            }
            for b in benches {
                // The polling barrier lets the other ranks idle without spinning while the leader steps alone.
                let report = try b.run(on: group, threadsPerRank: BLASInfo.current().threads) {
                    try group.barrier(pollingEvery: .milliseconds(2))
                }
                if let report { print(json ? report.json : report.text); fflush(nil) }
            }
            return 0
        })
    }

    static func project(configs: [String], ranks: String, steps: Int, warmup: Int, threads: Int?, json: Bool) throws {
        let sizes = ranks.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.count == ranks.split(separator: ",").count, sizes.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--project-ranks takes positive rank counts separated by commas, e.g. 1,2,4,8; got '\(ranks)'")
        }
        BLASInfo.setThreads(threads ?? 1)
        try reportingErrors {
            for name in configs {
                let c = try BenchConfig.resolve(name)
                if !json { print("\(c.name): one rank's share of a batch of \(c.hp.batchSize), median of \(steps) steps, \(BLASInfo.current().threads) OpenBLAS thread(s)") }
                for r in try RankProjection.run(c, sizes: Set(sizes + [1]).sorted(), steps: steps, warmup: warmup) {
                    print(json ? r.json : r.text)
                    fflush(nil)
                }
            }
        }
    }
}
