import ArgumentParser
import Foundation
import ModelIO

struct SynthCmd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Make a synthetic spiking dataset with ground truth (lorenz or chaotic-rnn).",
        discussion: "Identical arguments give identical files. Defaults are those of docs/data.md §3 for each system.")

    @Argument(help: "lorenz or chaotic-rnn") var system: String
    @Option(help: "Output HDF5 file.") var out: String
    @Option(help: "Seed of the generator.") var seed: UInt64 = 0
    @Option(help: "Neurons N.") var neurons: Int?
    @Option(help: "Conditions C.") var conditions: Int?
    @Option(help: "Trials per condition R.") var trialsPerCondition: Int?
    @Option(help: "Time bins T per trial.") var bins: Int?
    @Option(help: "Bin width in ms.") var binMs: Int?
    @Option(help: "Fraction of trials for the validation split.") var validFraction: Double?
    @Option(help: "Stored count type: int64, int32 or float32.") var countDtype: String = "int64"
    @Option(help: "Mark the last H neurons as held out (root attribute heldout_neurons; co-bps).") var heldoutNeurons: Int = 0
    @Option(help: "Mark the last F bins as forward bins (root attribute forward_bins; fp-bps).") var forwardBins: Int = 0
    @Option(help: "What is observed: poisson (spike counts) or zig (calcium-like deconvolved events for recon: zig, docs/data.md §3).") var observation: String = "poisson"
    @Option(help: "zig: smallest event size; every nonzero value is above it (use it as gamma_loc).") var zigLoc: Double = 0.1
    @Option(help: "zig: Gamma shape of the event sizes (≥ 1).") var zigShape: Double = 2
    @Option(help: "zig: event size per expected spike.") var zigAmplitude: Double = 1
    @Option(help: "Make this fraction of the data elements missing (NaN in the data, 0 in *_obs_mask; truth stays complete), for sbtt: 1 (docs/model.md §15).") var missingFraction: Double = 0
    @Option(help: "lorenz: give every trial one input pulse at a random bin that kicks the Lorenz x by this much (e.g. 10), written as *_ext_input [K,T,1], for ext_input_dim: 1 (docs/model.md §16).") var extPulse: Double?
    @Option(help: "EMG-like timing noise (docs/model.md §17): each neuron of each trial fires its condition's rates moved by round(J·N(0,1)) bins; truth stays unjittered. 0 = none.") var timeJitter: Double = 0
    @Option(help: "Multi-session stitching (docs/model.md §18): write this many session files OUT_s0.h5, OUT_s1.h5, … (lorenz only): one Lorenz system, session i with N + 4i neurons, its own random read-out, counts and split.") var sessions: Int = 0
    @Flag(help: "Overwrite --out if it exists.") var force = false

    func run() throws {
        try reportingErrors {
            guard let sys = SynthSystem(rawValue: system.replacingOccurrences(of: "-", with: "_")) else {
                throw ValidationError("unknown system '\(system)'; choose lorenz or chaotic-rnn")
            }
            guard let ct = CountType(rawValue: countDtype) else {
                throw ValidationError("--count-dtype must be int64, int32 or float32")
            }
            if sessions != 0 {
                guard sessions >= 1, sys == .lorenz else { throw ValidationError("--sessions needs lorenz and a count ≥ 1, got \(system) and \(sessions)") }
            }
            let outs = sessions == 0 ? [out] : (0..<sessions).map { "\((out as NSString).deletingPathExtension)_s\($0).h5" }
            for o in outs where FileManager.default.fileExists(atPath: o) && !force {
                throw ValidationError("\(o) already exists; use --force to overwrite it")
            }
            if FileManager.default.fileExists(atPath: out) && !force && sessions == 0 {
                throw ValidationError("\(out) already exists; use --force to overwrite it")
            }
            var spec = SynthSpec(system: sys, seed: seed)
            if let neurons { spec.neurons = neurons }
            if let conditions { spec.conditions = conditions }
            if let trialsPerCondition { spec.trialsPerCondition = trialsPerCondition }
            if let bins { spec.bins = bins }
            if let binMs { spec.binMs = binMs }
            if let validFraction { spec.validFraction = validFraction }
            spec.countType = ct
            switch observation {
            case "poisson": break
            case "zig": spec.useZIG(loc: zigLoc, shape: zigShape, amplitude: zigAmplitude)
            default: throw ValidationError("--observation must be poisson or zig, got '\(observation)'")
            }
            if missingFraction != 0 { spec.missingFraction = missingFraction }
            spec.extPulse = extPulse
            if timeJitter != 0 { spec.timeJitter = timeJitter }
            if sessions > 0 {
                for (i, o) in outs.enumerated() {
                    var s = spec
                    s.session = i; s.neurons = spec.neurons + 4 * i
                    let data = try Synth.generate(s)
                    try data.write(to: o, command: (["spikesae"] + CommandLine.arguments.dropFirst()).joined(separator: " "),
                                   heldout: (heldoutNeurons, forwardBins))
                    print("wrote \(o): session \(i), \(s.trials) trials (\(s.validTrials) valid), T = \(s.bins), N = \(s.neurons), \(s.binMs) ms bins")
                }
                return
            }
            let data = try Synth.generate(spec)
            try data.write(to: out, command: (["spikesae"] + CommandLine.arguments.dropFirst()).joined(separator: " "),
                           heldout: (heldoutNeurons, forwardBins))
            print("wrote \(out): \(spec.isZIG ? "ZIG events, " : "")\(spec.timeJitter.map { "time jitter \($0) bins, " } ?? "")\(data.missing.map { "\($0.filter { $0 }.count) missing elements, " } ?? "")\(spec.extPulse.map { "one ext-input pulse per trial (kick \($0)), " } ?? "")\(spec.trials) trials (\(spec.validTrials) valid), T = \(spec.bins), N = \(spec.neurons), \(spec.binMs) ms bins")
        }
    }
}
