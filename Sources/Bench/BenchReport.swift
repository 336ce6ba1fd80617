import Foundation
import LFADS

/// One configuration's benchmark result; ratios are against the SGEMM peak of the same run.
public struct BenchReport: Codable, Sendable {
    public var config: String
    public var batch: Int
    public var steps: Int, warmup: Int
    public var msPerStep: Double
    public var trialsPerSecond: Double
    public var gflopForward: Double, gflopStep: Double
    public var achievedGflops: Double
    public var sgemmPeakGflops: Double
    /// F_step / SGEMM peak: the step's time if every GEMM ran at the peak and nothing else cost anything.
    public var floorMs: Double
    public var floorTrialsPerSecond: Double
    /// floor / measured (1 = at the floor).
    public var floorRatio: Double
    public var gemmMs: Double, elementwiseMs: Double
    /// F_step over the measured GEMM time: how fast the GEMMs themselves ran.
    public var gemmGflops: Double
    public var peakRssMB: Double
    public var openblasCore: String, threads: Int
    /// The path small GEMMs ran on ("tiled", "libxsmm", or "none": all on OpenBLAS).
    public var smallGemm: String
    /// Which clock timed the run: "wall" or "cpu" (process CPU time, `--cpu-time`).
    public var clock: String
    /// Posterior sampling (docs/model.md §9) at `eval`'s `PosteriorBenchmark.samplesPerTrial` (50)
    /// samples per trial: trials/s, and the floor (F_fwd per sample at the SGEMM peak) over the
    /// measured time per sample. Nil when not timed.
    public var posteriorTrialsPerSecond: Double?, posteriorFloorRatio: Double?

    enum CodingKeys: String, CodingKey {
        case config, batch, steps, warmup, threads
        case msPerStep = "ms_per_step", trialsPerSecond = "trials_per_s"
        case gflopForward = "gflop_fwd", gflopStep = "gflop_step", achievedGflops = "achieved_gflops"
        case sgemmPeakGflops = "sgemm_peak_gflops", floorMs = "floor_ms", floorTrialsPerSecond = "floor_trials_per_s"
        case floorRatio = "floor_ratio", gemmMs = "gemm_ms", elementwiseMs = "elementwise_ms", gemmGflops = "gemm_gflops"
        case peakRssMB = "peak_rss_mb", openblasCore = "openblas_core", smallGemm = "small_gemm", clock
        case posteriorTrialsPerSecond = "posterior_trials_per_s", posteriorFloorRatio = "posterior_floor_ratio"
    }

    public init(config: BenchConfig, bench: StepBenchmark, timing t: StepBenchmark.Timing, flops: FlopCount,
                peak: Double, blas: BLASInfo, peakRss: Double = peakResidentMB(),
                posterior: (samples: Int, seconds: Double)? = nil) {
        self.config = config.name
        batch = config.hp.batchSize; steps = bench.steps; warmup = bench.warmup
        msPerStep = t.step * 1e3
        trialsPerSecond = Double(batch) / t.step
        gflopForward = flops.forward / 1e9; gflopStep = flops.step / 1e9
        achievedGflops = flops.step / t.step / 1e9
        sgemmPeakGflops = peak
        floorMs = flops.step / (peak * 1e9) * 1e3
        floorTrialsPerSecond = Double(batch) / (floorMs / 1e3)
        floorRatio = floorMs / msPerStep
        gemmMs = t.gemm * 1e3; elementwiseMs = t.elementwise * 1e3
        gemmGflops = flops.step / t.gemm / 1e9
        peakRssMB = peakRss
        openblasCore = blas.core; threads = blas.threads
        smallGemm = SmallGEMM.library
        clock = BenchClock.cpuTime ? "cpu" : "wall"
        if let posterior {
            let perSample = posterior.seconds / Double(posterior.samples)
            posteriorTrialsPerSecond = Double(batch) / (perSample * Double(PosteriorBenchmark.samplesPerTrial))
            posteriorFloorRatio = flops.forward / (peak * 1e9) / perSample
        }
    }

    public var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? e.encode(self)) ?? Data(), as: UTF8.self)
    }

    public var text: String {
        func f(_ v: Double, _ p: Int = 1) -> String { String(format: "%.\(p)f", v) }
        return """
            \(config): batch \(batch), median of \(steps) steps after \(warmup) warm-up, OpenBLAS \(openblasCore), \(threads) thread(s), small GEMMs: \(smallGemm), \(clock) clock
              step          \(f(msPerStep)) ms   \(f(trialsPerSecond, 0)) trials/s   \(f(achievedGflops)) GFLOP/s (F_step \(f(gflopStep, 3)) GFLOP, F_fwd \(f(gflopForward, 3)))
              SGEMM floor   \(f(floorMs)) ms   \(f(floorTrialsPerSecond, 0)) trials/s   at the 1024³ peak \(f(sgemmPeakGflops)) GFLOP/s
              floor/step    \(f(floorRatio, 3))   (step = \(f(1 / floorRatio, 2))× floor)
              split         GEMM \(f(gemmMs)) ms (\(f(gemmGflops)) GFLOP/s)   element-wise and the rest \(f(elementwiseMs)) ms
              peak RSS      \(f(peakRssMB)) MB
            """ + (posteriorTrialsPerSecond.map { tps in
                "\n  posterior     \(f(tps, 0)) trials/s at \(PosteriorBenchmark.samplesPerTrial) samples each   floor/time \(f(posteriorFloorRatio ?? .nan, 3))"
            } ?? "")
    }
}
