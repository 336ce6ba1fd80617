import Config
import Foundation
import LFADS
import ModelIO

extension Hyperparameters {
    /// Takes the data's shape and held-out layout: the model is built for that dataset.
    package mutating func adoptLayout(of d: SpikeDataset) {
        dataDim = d.N; seqLen = d.T
        heldoutNeurons = d.heldoutNeurons; forwardBins = d.forwardBins
    }
}

/// Turns a config's data section into a validated dataset.
package enum DataSourceLoader {
    /// Fails on a missing data section or a bad synth spec, without touching any file.
    static func check(_ source: DataSource?) throws {
        switch source {
        case nil: throw RunError("no data: give --data FILE.h5, or a 'data' section (file: or synth:) in the config")
        case .file, .sessions: break
        case .synth(let system, let options): _ = try synthSpec(system: system, options: options)
        }
    }

    /// Writes the synthetic data to `synthPath` (kept beside the run's outputs, so `spikesae eval`
    /// can read it later) unless a valid file is already there. One writer (the group leader) calls
    /// this before every rank calls `read`, which validates it like any data file.
    package static func prepare(_ source: DataSource?, synthPath: String, domain: DataDomain = .counts,
                                 missing: Bool = false, extDim: Int = 0) throws {
        guard case .synth(let system, let options) = source else { return try check(source) }
        let spec = try synthSpec(system: system, options: options)
        if !FileManager.default.fileExists(atPath: synthPath) || (try? SpikeDataset.load(path: synthPath, domain: domain, missing: missing, extDim: extDim)) == nil {
            try Synth.generate(spec).write(to: synthPath, command: spec.commandLine(out: synthPath))
        }
    }

    /// Reads and validates the data file, or the synthetic data `prepare` wrote, in the domain of
    /// the config's observation model.
    package static func read(_ source: DataSource?, synthPath: String, domain: DataDomain = .counts,
                              missing: Bool = false, extDim: Int = 0) throws -> SpikeDataset {
        try check(source)
        // train, eval and search take the stitched path (StitchedRun, SearchRun.prepareSessions) before reading.
        if case .sessions? = source {
            throw RunError("data.sessions (multi-session stitching, docs/model.md §18) names several files; they are read as a SessionSet, not as one dataset")
        }
        if case .file(let path) = source { return try SpikeDataset.load(path: path, domain: domain, missing: missing, extDim: extDim) }
        return try SpikeDataset.load(path: synthPath, domain: domain, missing: missing, extDim: extDim)
    }

    /// The model's hyperparameters for `dataset`, validated: its shape, and its held-out neurons and
    /// forward bins from the config where set there (a value that conflicts with the file's root
    /// attribute is an error), else from the file. Returns the dataset with that layout applied.
    package static func modelHyperparameters(_ config: RunConfig, dataset: SpikeDataset) throws -> (Hyperparameters, SpikeDataset) {
        var hp = config.hps
        let given = { (k: String, v: Int) in config.explicitHps.contains(k) ? v : nil }
        let d = try dataset.withHeldout(neurons: given("heldout_neurons", hp.heldoutNeurons),
                                        forwardBins: given("forward_bins", hp.forwardBins))
        hp.adoptLayout(of: d)
        do { hp = try hp.validated() } catch { throw RunError("invalid hyperparameters:\n\(error)") }
        return (hp, d)
    }

    static func synthSpec(system: String, options: [String: HPValue]) throws -> SynthSpec {
        guard let sys = SynthSystem(rawValue: system.replacingOccurrences(of: "-", with: "_")) else {
            throw RunError("data.synth.system '\(system)' is not one of: \(SynthSystem.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var spec = SynthSpec(system: sys)
        for (k, v) in options {
            func int() throws -> Int {
                switch v {
                case .int(let i): return i
                case .double(let d) where d == d.rounded(): return Int(d)
                default: throw RunError("data.synth.\(k) must be an integer, got \(v)")
                }
            }
            switch k {
            case "seed": spec.seed = UInt64(max(try int(), 0))
            case "neurons": spec.neurons = try int()
            case "conditions": spec.conditions = try int()
            case "trials_per_condition": spec.trialsPerCondition = try int()
            case "bins": spec.bins = try int()
            case "bin_ms": spec.binMs = try int()
            case "observation":
                guard case .string(let o) = v, o == "poisson" || o == "zig" else {
                    throw RunError("data.synth.observation must be poisson or zig, got \(v)")
                }
                if o == "zig" && !spec.isZIG { spec.useZIG() }
            case "zig_loc", "zig_shape", "zig_amplitude":
                let d: Double
                switch v {
                case .double(let x): d = x
                case .int(let i): d = Double(i)
                case .string: throw RunError("data.synth.\(k) must be a number, got \(v)")
                }
                if !spec.isZIG { spec.useZIG() }
                if k == "zig_loc" { spec.zigLoc = d } else if k == "zig_shape" { spec.zigShape = d } else { spec.zigAmplitude = d }
            case "valid_fraction":
                guard case .double(let d) = v else { throw RunError("data.synth.valid_fraction must be a number, got \(v)") }
                spec.validFraction = d
            case "missing_fraction":
                switch v {
                case .double(let d): spec.missingFraction = d
                case .int(let i): spec.missingFraction = Double(i)
                case .string: throw RunError("data.synth.missing_fraction must be a number, got \(v)")
                }
            case "time_jitter":
                switch v {
                case .double(let d): spec.timeJitter = d
                case .int(let i): spec.timeJitter = Double(i)
                case .string: throw RunError("data.synth.time_jitter must be a number, got \(v)")
                }
            case "ext_pulse":
                switch v {
                case .double(let d): spec.extPulse = d
                case .int(let i): spec.extPulse = Double(i)
                case .string: throw RunError("data.synth.ext_pulse must be a number, got \(v)")
                }
            default: throw RunError("unknown key data.synth.\(k)")
            }
        }
        try spec.validate()
        return spec
    }
}
