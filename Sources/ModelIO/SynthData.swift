import Foundation
import Store

/// A named generator parameter written under `generator/` as float64.
public struct SynthArray: Equatable, Sendable {
    public let name: String
    public let shape: [Int]
    public let values: [Double]
}

/// A generated synthetic dataset before it is split into files; trials in condition-major order.
public struct SynthData: Sendable {
    public let spec: SynthSpec
    /// [K, T, N] Poisson counts of all trials, trial k being a repeat of condition k / R.
    public let counts: [Int]
    /// [C, T, N] expected spikes per bin, shared by every trial of a condition.
    public let conditionTruth: [Double]
    /// [C, T, latentDim]: normalised Lorenz state (bin means) or RNN state x.
    public let conditionLatents: [Double]
    public let latentDim: Int
    /// Sorted trial indices of each split; disjoint, together 0..<K.
    public let trainInds: [Int]
    public let validInds: [Int]
    public let generator: [SynthArray]
    /// [K, T, N] calcium-like ZIG events (`observation: zig`), stored as the data instead of
    /// `counts`; `conditionTruth` is then their mean per bin.
    public var values: [Double]? = nil
    /// [K, T, N] missing elements (`missing_fraction`, SBTT): NaN in the stored data.
    public var missing: [Bool]? = nil
    /// With `ext_pulse` (docs/model.md §16): per-trial truth [K,T,N] and latents [K,T,L], and the
    /// input pulses [K,T,1] stored as `*_ext_input`.
    public var trialTruth: [Double]? = nil
    public var trialLatents: [Double]? = nil
    public var pulses: [Double]? = nil

    public var T: Int { spec.bins }

    public init(spec: SynthSpec, counts: [Int], conditionTruth: [Double], conditionLatents: [Double], latentDim: Int,
                trainInds: [Int], validInds: [Int], generator: [SynthArray], values: [Double]? = nil) {
        self.spec = spec; self.counts = counts; self.conditionTruth = conditionTruth
        self.conditionLatents = conditionLatents; self.latentDim = latentDim
        self.trainInds = trainInds; self.validInds = validInds; self.generator = generator; self.values = values
    }
    public var N: Int { spec.neurons }

    /// The condition of trial k.
    public func condition(ofTrial k: Int) -> Int { k / spec.trialsPerCondition }

    /// [K_split, T, N] truth of the given trials (copies of their conditions' truth).
    public func truth(ofTrials trials: [Int]) -> [Double] {
        if let trialTruth { return gather(trialTruth, rows: trials, size: T * N) }
        return gather(conditionTruth, rows: trials.map(condition(ofTrial:)), size: T * N)
    }

    /// [K_split, T, latentDim] latents of the given trials.
    public func latents(ofTrials trials: [Int]) -> [Double] {
        if let trialLatents { return gather(trialLatents, rows: trials, size: T * latentDim) }
        return gather(conditionLatents, rows: trials.map(condition(ofTrial:)), size: T * latentDim)
    }

    /// [K_split, T, 1] input pulses of the given trials; nil without `ext_pulse`.
    public func pulses(ofTrials trials: [Int]) -> [Double]? {
        pulses.map { gather($0, rows: trials, size: T) }
    }

    /// [K_split, T, N] counts of the given trials.
    public func counts(ofTrials trials: [Int]) -> [Int] {
        gather(counts, rows: trials, size: T * N)
    }

    /// [K_split, T, N] of what the file stores as data: the ZIG events, else the counts.
    public func data(ofTrials trials: [Int]) -> [Double] {
        var d = values.map { gather($0, rows: trials, size: T * N) } ?? counts(ofTrials: trials).map { Double($0) }
        if let m = observedMask(ofTrials: trials) { for i in d.indices where m[i] == 0 { d[i] = .nan } }
        return d
    }

    /// [K_split, T, N] 1 = observed, 0 = missing; nil without missing elements.
    public func observedMask(ofTrials trials: [Int]) -> [Double]? {
        guard let missing else { return nil }
        return gather(missing.map { $0 ? 0.0 : 1.0 }, rows: trials, size: T * N)
    }

    /// Data with missing elements need float storage for their NaN.
    var storesFloat: Bool { values != nil || missing != nil }

    /// The data as a loaded file would present it (conversion factor 1, inds and conditions set).
    public func dataset(path: String = "") -> SpikeDataset {
        SpikeDataset(path: path, T: T, N: N,
                     trainCounts: data(ofTrials: trainInds).map { Float($0) },
                     validCounts: data(ofTrials: validInds).map { Float($0) },
                     trainTruth: truth(ofTrials: trainInds), validTruth: truth(ofTrials: validInds),
                     conversionFactor: 1, trainInds: trainInds, validInds: validInds,
                     trainConditions: trainInds.map(condition(ofTrial:)),
                     validConditions: validInds.map(condition(ofTrial:)),
                     binMs: Double(spec.binMs), countType: storesFloat ? "float32" : spec.countType.rawValue)
    }

    /// Writes the layout of the shipped file (docs/data.md §6) atomically: counts and
    /// arrays gzip+shuffle, truth and latents float32, inds and conditions int64, generator/*
    /// float64, conversion_factor 1.0 as scalar dataset and root attribute. `command` records the
    /// invocation; by default an equivalent `spikesae synth` command line.
    /// `heldout` > 0 marks the last columns and bins as held out / forward (NLB layout, root
    /// attributes heldout_neurons and forward_bins), for trying co-bps and fp-bps on known truth.
    public func write(to path: String, command: String? = nil, heldout: (neurons: Int, forwardBins: Int) = (0, 0)) throws {
        try SpikeDataset.checkHeldout(neurons: heldout.neurons, bins: heldout.forwardBins, T: T, N: N, path: path)
        let stored: StoredType
        switch spec.countType {
        case .int64: stored = .int64
        case .int32: stored = .int32
        case .float32: stored = .float32
        }
        try H5File.writeAtomically(to: path) { f in
            for (split, inds) in [("train", trainInds), ("valid", validInds)] {
                let k = inds.count
                try f.write("\(split)_data", shape: [k, T, N], doubles: data(ofTrials: inds),
                            storedAs: storesFloat ? .float32 : stored, compress: true)
                if let mask = observedMask(ofTrials: inds) {
                    try f.write("\(split)_obs_mask", shape: [k, T, N], doubles: mask, storedAs: .uint8, compress: true)
                }
                try f.write("\(split)_truth", shape: [k, T, N], floats: truth(ofTrials: inds).map { Float($0) },
                            compress: true)
                try f.write("\(split)_latents", shape: [k, T, latentDim],
                            floats: latents(ofTrials: inds).map { Float($0) }, compress: true)
                if let e = pulses(ofTrials: inds) {
                    try f.write("\(split)_ext_input", shape: [k, T, 1], floats: e.map { Float($0) }, compress: true)
                }
                try f.write("\(split)_inds", shape: [k], int64s: inds.map { Int64($0) })
                try f.write("\(split)_condition", shape: [k], int64s: inds.map { Int64(condition(ofTrial: $0)) })
            }
            try f.write("conversion_factor", shape: [], doubles: [1.0])
            for array in generator {
                try f.write("generator/\(array.name)", shape: array.shape, doubles: array.values)
            }
            try f.setAttribute("conversion_factor", double: 1.0)
            try f.setAttribute("system", string: spec.system.rawValue)
            try f.setAttribute("seed", int64: Int64(spec.seed))
            try f.setAttribute("bin_ms", int64: Int64(spec.binMs))
            try f.setAttribute("count_dtype", string: spec.countType.rawValue)
            if values != nil {
                try f.setAttribute("observation", string: "zig")
                try f.setAttribute("truth_units", string: "expected value per bin (the ZIG events' mean)")
            } else {
                try f.setAttribute("truth_units", string: "expected spikes per bin")
            }
            try f.setAttribute("command", string: command ?? spec.commandLine(out: path))
            try f.setAttribute("params_json", string: spec.json())
            if heldout.neurons > 0 { try f.setAttribute("heldout_neurons", int64: Int64(heldout.neurons)) }
            if heldout.forwardBins > 0 { try f.setAttribute("forward_bins", int64: Int64(heldout.forwardBins)) }
        }
    }

    private func gather<Element>(_ source: [Element], rows: [Int], size: Int) -> [Element] {
        var out: [Element] = []
        out.reserveCapacity(rows.count * size)
        for r in rows { out.append(contentsOf: source[(r * size)..<((r + 1) * size)]) }
        return out
    }
}
