import ArgumentParser
import Bench
import Foundation
import LFADS

struct BenchCmd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the Float training step against this build's SGEMM peak (docs/model.md §11).",
        discussion: """
            A step draws every mask and noise tensor, runs forward and loss, backward, the global-norm \
            clip and Adam on a fixed Poisson(0.25) batch of 128 trials. Reports the median step, \
            trials/s, GFLOP/s by §11's count, the SGEMM floor (F_step over a 1024³ sgemm's rate measured \
            in the same run), the GEMM/element-wise split, peak RSS and the OpenBLAS kernel.
            """)

    @Option(help: "lorenz-small, maze-medium or a run config FILE.yaml (repeatable; default: both named ones).")
    var config: [String] = []
    @Option(help: "OpenBLAS threads (default: OpenBLAS's own choice, e.g. OPENBLAS_NUM_THREADS).") var threads: Int?
    @Option(help: "Timed steps (the median is reported).") var steps: Int = 15
    @Option(help: "Untimed steps first.") var warmup: Int = 3
    @Flag(help: "One JSON object per configuration, one per line.") var json = false
    @Flag(help: "Also list GEMM time per call shape.") var gemmShapes = false
    @Option(help: "Posterior samples to time per configuration, one model built for them as eval builds one per call (reported at eval's \(PosteriorBenchmark.samplesPerTrial) per trial; 0 skips).")
    var posteriorSamples: Int = PosteriorBenchmark.samplesPerTrial
    @Flag(help: "Time by the process's CPU time instead of wall time: on a shared machine it leaves out time other jobs held the core (use with --threads 1).")
    var cpuTime = false
    @Flag(help: "Under `mpirun -np K`: one rank alone against K ranks training one model together (data parallel); speedup and allreduce time per step.")
    var ranks = false
    @Option(help: ArgumentHelp("One process: time one rank's share of the batch as if P ranks shared it, for each P in the list (e.g. 1,2,4,8); for projecting scaling, see docs/scaling.md.", valueName: "P,P,..."))
    var projectRanks: String?

    func validate() throws {
        if steps < 1 { throw ValidationError("--steps must be ≥ 1") }
        if warmup < 0 { throw ValidationError("--warmup must be ≥ 0") }
        if let threads, threads < 1 { throw ValidationError("--threads must be ≥ 1") }
        if posteriorSamples < 0 { throw ValidationError("--posterior-samples must be ≥ 0") }
    }

    func run() throws {
        if let projectRanks {
            return try BenchRanks.project(configs: config.isEmpty ? ["maze-medium"] : config, ranks: projectRanks,
                                          steps: steps, warmup: warmup, threads: threads, json: json)
        }
        if ranks { return try BenchRanks.run(configs: config.isEmpty ? ["maze-medium"] : config, steps: steps, warmup: warmup,
                                             threads: threads, json: json) }
        var o = Benchmark.Options()
        if !config.isEmpty { o.configs = config }
        o.threads = threads; o.steps = steps; o.warmup = warmup
        o.posteriorSamples = posteriorSamples; o.cpuTime = cpuTime
        try reportingErrors {
            try Benchmark.run(o) { r, t in
                print(json ? r.json : r.text)
                if gemmShapes && !json {
                    print("    GEMM per step by shape (m×n×k, op):   calls      ms   GFLOP/s  library")
                    for s in t.shapes.prefix(40) {
                        let op = (s.shape.transA ? "T" : "N") + (s.shape.transB ? "T" : "N")
                        let name = "\(s.shape.m)×\(s.shape.n)×\(s.shape.k) \(op)".padding(toLength: 28, withPad: " ", startingAt: 0)
                        let path = SmallGEMM.path(transA: s.shape.transA, transB: s.shape.transB, m: s.shape.m,
                                                  n: s.shape.n, k: s.shape.k, alpha: 1, beta: 0)
                        print("      " + name + String(format: "%14d %8.2f %8.1f  ", s.calls, s.seconds * 1e3, s.gflops)
                              + (path == .openblas ? "OpenBLAS" : path.rawValue))
                    }
                }
                fflush(nil)
            }
        }
    }
}
