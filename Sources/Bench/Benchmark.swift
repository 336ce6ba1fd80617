import LFADS

/// What `spikesae bench` runs: for each configuration the SGEMM peak, then the step.
public enum Benchmark {
    public struct Options: Sendable {
        public var configs = BenchConfig.defaultNames
        public var threads: Int? = nil
        public var steps = 15, warmup = 3
        /// Posterior samples to time (0: skip posterior sampling).
        public var posteriorSamples = PosteriorBenchmark.samplesPerTrial
        public var cpuTime = false
        public init() {}
    }

    /// Runs every configuration; `report` gets each result as it is ready, with its GEMM shapes.
    public static func run(_ o: Options, report: (BenchReport, StepBenchmark.Timing) -> Void) throws {
        let configs = try o.configs.map(BenchConfig.resolve)
        if let n = o.threads { BLASInfo.setThreads(n) }
        BenchClock.cpuTime = o.cpuTime
        let blas = BLASInfo.current()
        for c in configs {
            var b = StepBenchmark(c)
            b.steps = o.steps; b.warmup = o.warmup
            // Measured next to each configuration's steps, so that both see the same machine load.
            let peak = SGEMMPeak.measure()
            let t = try b.run()
            // Before the posterior benchmark, which builds a second model: the step's own peak.
            let stepPeakRss = peakResidentMB()
            var p = PosteriorBenchmark(c)
            p.samples = o.posteriorSamples
            let posterior = p.samples > 0 ? (samples: p.samples, seconds: p.run()) : nil
            report(BenchReport(config: c, bench: b, timing: t, flops: FlopCount(c.hp, batch: c.hp.batchSize),
                               peak: peak, blas: blas, peakRss: stepPeakRss, posterior: posterior), t)
        }
    }
}
