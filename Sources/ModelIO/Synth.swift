import Foundation
import LFADS

/// Which latent system drives the synthetic rates (docs/data.md §3).
public enum SynthSystem: String, Codable, Sendable, CaseIterable {
    case lorenz
    case chaoticRNN = "chaotic_rnn"
}

/// Stored element type of the synthetic counts.
public enum CountType: String, Codable, Sendable, CaseIterable {
    case int64, int32, float32
}

/// A bad synthetic-data request (sizes, fractions, rates).
public struct SynthError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Everything that determines a synthetic file; identical specs give identical files.
/// Field names in `params_json` are those of the reference generator.
public struct SynthSpec: Codable, Equatable, Sendable {
    public var system: SynthSystem
    /// Must fit in Int64: it is stored as the int64 root attribute `seed`.
    public var seed: UInt64
    public var neurons: Int
    public var conditions: Int
    public var trialsPerCondition: Int
    public var bins: Int
    /// Bin width in ms; Lorenz integrates one step per ms, the chaotic RNN one step per bin (dt = bin).
    public var binMs: Int
    public var validFraction: Double
    public var countType: CountType
    // Lorenz only.
    public var icStd: Double = 2
    public var icZOffset: Double = 0
    /// Lorenz time units per 1 ms step.
    public var lorenzDt: Double = 0.002
    /// Burn-in in Lorenz time units; round(burnIn / lorenzDt) steps are discarded.
    public var burnIn: Double = 1
    public var weightScale: Double = 1
    public var rateMinHz: Double = 5
    public var rateMaxHz: Double = 20
    // Chaotic RNN only.
    public var gain: Double = 1.5
    public var tauMs: Double = 25
    public var maxRateHz: Double = 30
    /// What is observed of the rates (docs/data.md §3): nil = Poisson counts; "zig" = calcium-like
    /// deconvolved events. Optional fields stay out of `params_json` when unset, so Poisson files
    /// are what they were.
    public var observation: String? = nil
    /// ZIG events: an element is nonzero with q = 1 − e^{−r} (r spikes/bin), then
    /// x = zig_loc + Gamma(zig_shape, mean zig_amplitude·r/q): E[x] = q·zig_loc + zig_amplitude·r.
    public var zigLoc: Double? = nil, zigShape: Double? = nil, zigAmplitude: Double? = nil
    public var isZIG: Bool { observation == "zig" }
    /// Fraction of elements made missing (SBTT, docs/model.md §15): NaN in the data and 0 in
    /// `*_obs_mask`, drawn from their own stream; counts, truth and split are those without it.
    public var missingFraction: Double? = nil
    /// Lorenz only (docs/data.md §3, docs/model.md §16): each trial gets one input pulse at a random
    /// bin that kicks the Lorenz x coordinate by this much (Lorenz units) at the bin's first ms; the
    /// pulse is written as `*_ext_input` (1 in that bin, else 0) and truth/latents become per trial.
    public var extPulse: Double? = nil
    /// EMG-like timing noise, for temporal-shift augmentation (docs/model.md §17): each neuron of
    /// each trial fires its condition's rates moved by its own δ = round(time_jitter·ε) bins
    /// (edge-replicated), ε ~ N(0,1) from keyedStream(seed, .synth, 4). The truth stays the
    /// unjittered condition rates, what the latents determine; the jitter is nuisance.
    public var timeJitter: Double? = nil
    /// Multi-session data (docs/model.md §18): session i of one Lorenz system. The latent trajectories
    /// are the spec's; the read-out, target rates, counts and split come from streams keyed by i.
    public var session: Int? = nil

    enum CodingKeys: String, CodingKey {
        case system, seed, neurons, conditions, bins, gain
        case trialsPerCondition = "trials_per_condition", binMs = "bin_ms", validFraction = "valid_fraction"
        case countType = "count_dtype", icStd = "ic_std", icZOffset = "ic_z_offset", lorenzDt = "lorenz_dt"
        case burnIn = "burn_in", weightScale = "weight_scale", rateMinHz = "rate_min", rateMaxHz = "rate_max"
        case tauMs = "tau_ms", maxRateHz = "max_rate_hz"
        case observation, zigLoc = "zig_loc", zigShape = "zig_shape", zigAmplitude = "zig_amplitude"
        case missingFraction = "missing_fraction", timeJitter = "time_jitter"
        case extPulse = "ext_pulse", session
    }

    /// Sets the calcium-like ZIG observation with its defaults (loc 0.1 as `gamma_loc`, shape 2, amplitude 1).
    public mutating func useZIG(loc: Double = 0.1, shape: Double = 2, amplitude: Double = 1) {
        observation = "zig"; zigLoc = loc; zigShape = shape; zigAmplitude = amplitude
    }

    /// The §3 defaults of `system`: Lorenz N 29, C 65, R 20, T 50, 20 ms; chaotic RNN N 50, C 100,
    /// R 40, T 100, 10 ms; both valid_fraction 0.2 and int64 counts.
    public init(system: SynthSystem = .lorenz, seed: UInt64 = 0) {
        self.system = system
        self.seed = seed
        switch system {
        case .lorenz: (neurons, conditions, trialsPerCondition, bins, binMs) = (29, 65, 20, 50, 20)
        case .chaoticRNN: (neurons, conditions, trialsPerCondition, bins, binMs) = (50, 100, 40, 100, 10)
        }
        validFraction = 0.2
        countType = .int64
    }

    /// K = C * R.
    public var trials: Int { conditions * trialsPerCondition }

    /// Number of validation trials: round(valid_fraction * K), ties to even.
    public var validTrials: Int { Int((validFraction * Double(trials)).rounded(.toNearestOrEven)) }

    /// Throws for sizes or parameters no generator can use.
    public func validate() throws {
        func require(_ ok: Bool, _ message: String) throws { if !ok { throw SynthError(message) } }
        for (name, value) in [("neurons", neurons), ("conditions", conditions),
                              ("trials_per_condition", trialsPerCondition), ("bins", bins), ("bin_ms", binMs)] {
            try require(value > 0, "\(name) must be positive, got \(value)")
        }
        try require(seed <= UInt64(Int64.max), "seed must be at most \(Int64.max), got \(seed)")
        if let o = observation {
            try require(o == "zig", "observation must be poisson or zig, got \(o)")
            let loc = zigLoc ?? 0.1, shape = zigShape ?? 2, amp = zigAmplitude ?? 1
            try require(loc.isFinite && loc >= 0, "zig_loc must be >= 0, got \(loc)")
            try require(shape.isFinite && shape >= 1, "zig_shape must be >= 1, got \(shape)")
            try require(amp.isFinite && amp > 0, "zig_amplitude must be positive, got \(amp)")
        }
        if let f = missingFraction {
            try require(f.isFinite && f >= 0 && f < 1, "missing_fraction must be in [0, 1), got \(f)")
        }
        if let a = extPulse {
            try require(system == .lorenz, "ext_pulse needs the lorenz system")
            try require(a.isFinite, "ext_pulse must be finite, got \(a)")
            try require(bins >= 4, "ext_pulse needs at least 4 bins, got \(bins)")
        }
        if let j = timeJitter {
            try require(j.isFinite && j >= 0, "time_jitter must be >= 0 (bins), got \(j)")
            try require(j == 0 || observation == nil, "time_jitter applies to Poisson counts only, not to observation \(observation ?? "")")
        }
        try require(validFraction.isFinite && validFraction > 0 && validFraction < 1,
                    "valid_fraction must be in (0, 1), got \(validFraction)")
        let nValid = validTrials
        try require(nValid > 0 && nValid < trials,
                    "valid_fraction \(validFraction) of \(trials) trials gives \(nValid) valid and \(trials - nValid) train trials; both splits must be non-empty")
        switch system {
        case .lorenz:
            try require(lorenzDt.isFinite && lorenzDt > 0, "lorenz_dt must be positive, got \(lorenzDt)")
            try require(burnIn.isFinite && burnIn >= 0, "burn_in must be >= 0, got \(burnIn)")
            try require(icStd.isFinite && icStd >= 0 && icZOffset.isFinite, "ic_std must be >= 0 and ic_z_offset finite")
            try require(weightScale.isFinite, "weight_scale must be finite, got \(weightScale)")
            try require(rateMinHz > 0 && rateMaxHz >= rateMinHz && rateMaxHz.isFinite,
                        "rates need 0 < rate_min <= rate_max, got \(rateMinHz), \(rateMaxHz)")
        case .chaoticRNN:
            try require(tauMs.isFinite && tauMs > 0, "tau_ms must be positive, got \(tauMs)")
            try require(gain.isFinite, "gain must be finite, got \(gain)")
            try require(maxRateHz.isFinite && maxRateHz > 0, "max_rate_hz must be positive, got \(maxRateHz)")
        }
    }

    /// Every parameter as JSON with sorted keys, for the `params_json` attribute.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain numbers and strings cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// An invocation of `spikesae synth` that reproduces this spec, for the `command` attribute
    /// when the caller has no command line of its own.
    public func commandLine(out path: String) -> String {
        var parts = ["spikesae synth", system.rawValue, "--out", path, "--neurons", "\(neurons)",
                     "--conditions", "\(conditions)", "--trials-per-condition", "\(trialsPerCondition)",
                     "--bins", "\(bins)", "--bin-ms", "\(binMs)", "--seed", "\(seed)",
                     "--valid-fraction", "\(validFraction)"]
        if countType != .int64 { parts += ["--count-dtype", countType.rawValue] }
        if isZIG {
            parts += ["--observation", "zig", "--zig-loc", "\(zigLoc ?? 0.1)", "--zig-shape", "\(zigShape ?? 2)",
                      "--zig-amplitude", "\(zigAmplitude ?? 1)"]
        }
        if let f = missingFraction, f > 0 { parts += ["--missing-fraction", "\(f)"] }
        if let a = extPulse { parts += ["--ext-pulse", "\(a)"] }
        if let j = timeJitter, j > 0 { parts += ["--time-jitter", "\(j)"] }
        return parts.joined(separator: " ")
    }
}

/// Noise-free truth of every condition, as a generator produces it.
struct ConditionTruth {
    /// [C, T, N] expected spikes per bin.
    var truth: [Double]
    /// [C, T, L].
    var latents: [Double]
    var latentDim: Int
    /// Generator parameters written under `generator/`.
    var generator: [SynthArray]
    /// With `ext_pulse`: per-trial truth [K,T,N] and latents [K,T,L], and the pulses [K,T,1].
    var trialTruth: [Double]? = nil
    var trialLatents: [Double]? = nil
    var pulses: [Double]? = nil
}

public enum Synth {
    /// Generates a synthetic dataset. All draws come from one stream, keyedStream(seed, .synth),
    /// in this order: the generator's draws (SynthLorenz / SynthChaoticRNN document theirs), then
    /// K*T*N Poisson counts in (trial, time, neuron) order, then the split permutation.
    public static func generate(_ spec: SynthSpec) throws -> SynthData {
        try spec.validate()
        var rng = keyedStream(seed: spec.seed, .synth)
        let truth: ConditionTruth
        switch spec.system {
        case .lorenz: truth = SynthLorenz.generate(spec, &rng)
        case .chaoticRNN: truth = SynthChaoticRNN.generate(spec, &rng)
        }
        // A session's counts and split are its own draws (§18), after the shared latents.
        if let s = spec.session { rng = keyedStream(seed: spec.seed, .synth, 200 + UInt64(s)) }
        let size = spec.bins * spec.neurons
        var counts = [Int](repeating: 0, count: spec.trials * size)
        let jitter = spec.timeJitter.flatMap { $0 > 0 ? jitterShifts(spec, std: $0) : nil }
        for k in 0..<spec.trials {
            // Condition-major trial order: trial k repeats condition k / R (with ext pulses, its own truth).
            let rates = truth.trialTruth ?? truth.truth
            let base = (truth.trialTruth == nil ? k / spec.trialsPerCondition : k) * size
            if let jitter {
                // One Poisson draw per element in the same order, so only the means move.
                let N = spec.neurons, last = spec.bins - 1
                for i in 0..<size {
                    let t = i / N, n = i % N, src = min(max(t - jitter[k * N + n], 0), last)
                    counts[k * size + i] = rng.poisson(rates[base + src * N + n])
                }
            } else {
                for i in 0..<size { counts[k * size + i] = rng.poisson(rates[base + i]) }
            }
        }
        let (train, valid) = split(trials: spec.trials, validCount: spec.validTrials, &rng)
        var data: SynthData
        if spec.isZIG {
            // ZIG events come from their own stream, so the latents and the split are those of the same
            // spec without the observation; the truth becomes the events' mean.
            let (values, mean) = zigEvents(spec, rates: truth.truth)
            data = SynthData(spec: spec, counts: counts, conditionTruth: mean, conditionLatents: truth.latents,
                             latentDim: truth.latentDim, trainInds: train, validInds: valid, generator: truth.generator,
                             values: values)
        } else {
            data = SynthData(spec: spec, counts: counts, conditionTruth: truth.truth, conditionLatents: truth.latents,
                             latentDim: truth.latentDim, trainInds: train, validInds: valid, generator: truth.generator)
        }
        if let f = spec.missingFraction, f > 0 { data.missing = missingMask(spec, fraction: f) }
        data.trialTruth = truth.trialTruth; data.trialLatents = truth.trialLatents; data.pulses = truth.pulses
        return data
    }

    /// [K, N] time jitter of each trial's neurons in bins, from keyedStream(seed, .synth, 4) (3 is
    /// the ext pulses'), one normal per (trial, neuron) in that order.
    static func jitterShifts(_ spec: SynthSpec, std: Double) -> [Int] {
        var rng = keyedStream(seed: spec.seed, .synth, 4)
        return (0..<(spec.trials * spec.neurons)).map { _ in Int((std * rng.normal()).rounded()) }
    }

    /// [K, T, N] missing elements from keyedStream(seed, .synth, 2), one uniform per element in
    /// (trial, time, neuron) order: missing where it is below `fraction`.
    static func missingMask(_ spec: SynthSpec, fraction: Double) -> [Bool] {
        var rng = keyedStream(seed: spec.seed, .synth, 2)
        return (0..<(spec.trials * spec.bins * spec.neurons)).map { _ in rng.uniform() < fraction }
    }

    /// Calcium-like deconvolved events for every trial (k, t, n order) from keyedStream(seed, .synth, 1),
    /// and the [C,T,N] mean E[x] = q·loc + amplitude·r of each condition.
    static func zigEvents(_ spec: SynthSpec, rates: [Double]) -> (values: [Double], mean: [Double]) {
        let loc = spec.zigLoc ?? 0.1, shape = spec.zigShape ?? 2, amp = spec.zigAmplitude ?? 1
        var rng = keyedStream(seed: spec.seed, .synth, 1)
        let size = spec.bins * spec.neurons
        var values = [Double](repeating: 0, count: spec.trials * size)
        for k in 0..<spec.trials {
            let base = (k / spec.trialsPerCondition) * size
            for i in 0..<size {
                let r = rates[base + i], q = -Foundation.expm1(-r)
                if rng.uniform() < q { values[k * size + i] = loc + rng.gamma(shape: shape) * amp * r / (q * shape) }
            }
        }
        let mean = rates.map { r in -Foundation.expm1(-r) * loc + amp * r }
        return (values, mean)
    }

    /// A seeded permutation of 0..<trials: its first `validCount` entries are the valid trials;
    /// each split is returned sorted.
    static func split(trials: Int, validCount: Int, _ rng: inout SplitMix64) -> (train: [Int], valid: [Int]) {
        let order = permutation(trials, &rng)
        return (order[validCount...].sorted(), order[..<validCount].sorted())
    }

    /// Fisher-Yates: for i = n-1 down to 1, swap i with a uniform j in 0...i.
    static func permutation(_ n: Int, _ rng: inout SplitMix64) -> [Int] {
        var order = Array(0..<n)
        for i in stride(from: n - 1, through: 1, by: -1) { order.swapAt(i, Int(uniformBelow(UInt64(i + 1), &rng))) }
        return order
    }

    /// Uniform in 0..<n without modulo bias: raw draws below 2^64 mod n are rejected, so every
    /// residue is equally likely; the result depends only on the stream, never on the platform.
    static func uniformBelow(_ n: UInt64, _ rng: inout SplitMix64) -> UInt64 {
        precondition(n > 0)
        let threshold = (0 &- n) % n
        while true {
            let r = rng.next()
            if r >= threshold { return r % n }
        }
    }
}
