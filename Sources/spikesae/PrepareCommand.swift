import ArgumentParser
import Foundation
import NLB

struct PrepareCmd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Turn recordings into a SpikeSAE training file (classic LFADS layout).",
        subcommands: [PrepareNWBCmd.self, PrepareNLBToolsCmd.self, PrepareLFADSTorchCmd.self])
}

struct PrepareNWBCmd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nwb",
        abstract: "Bin and window an NLB-style NWB file as nlb_tools does.",
        discussion: """
            Trials of split 'train' become train_data, 'val' valid_data (table order); held-in units \
            first, then held-out (attribute heldout_neurons); observed bins, then forward bins \
            (attribute forward_bins); behaviour lagged as NLB; NLB's smoothed-spike PSTHs per condition. \
            'test' trials have no held-out data and are skipped with a note.
            """)

    @Argument(help: "The NWB file.") var file: String
    @Option(help: "NLB parameters: mc_maze, mc_maze_large, mc_maze_medium or mc_maze_small.") var preset: String
    @Option(help: "Bin width in ms (a whole number; the preset's is 5).") var binMs: Double?
    @Option(help: "Trials-table column to align on.") var alignField: String?
    @Option(help: "Window start in ms relative to the align time.") var windowStartMs: Int?
    @Option(help: "Window end in ms relative to the align time.") var windowEndMs: Int?
    @Option(help: "Forward-prediction length in ms after the window.") var forwardMs: Int?
    @Option(help: "Behaviour lag in ms (its window is the spike window shifted later by this).") var lagMs: Int?
    @Option(help: "Gaussian kernel sd in ms of the target PSTHs.") var psthKernelSdMs: Double?
    @Option(help: "Name of the behaviour TimeSeries.") var behaviorField: String?
    @OptionGroup var output: PrepareOutput

    func run() throws {
        try output.write { out, command in
            var p = try NLBPreset.named(preset)
            if let binMs { try p.setBinMs(binMs) }
            if let alignField { p.alignField = alignField }
            if let windowStartMs { p.windowStartMs = windowStartMs }
            if let windowEndMs { p.windowEndMs = windowEndMs }
            if let forwardMs { p.forwardMs = forwardMs }
            if let lagMs { p.lagMs = lagMs }
            if let psthKernelSdMs { p.psthKernelSdMs = psthKernelSdMs }
            if let behaviorField { p.behaviorField = behaviorField }
            let s = try PrepareNWB.run(nwb: file, preset: p, out: out, command: command)
            for note in s.notes { FileHandle.standardError.write(Data("\(note)\n".utf8)) }
            return "\(s.trainTrials) train / \(s.validTrials) valid trials, \(s.heldin) held-in + \(s.heldout) held-out neurons, \(s.observedBins) + \(s.forwardBins) forward bins of \(p.binMs) ms, \(s.conditions) conditions"
        }
    }
}

/// Shared by the tensor layouts: the bin width is not in those files.
private func binWidth(_ ms: Double?) throws -> Int? {
    guard let ms else { return nil }
    var p = NLBPreset.mcMaze
    try p.setBinMs(ms)
    return p.binMs
}

struct PrepareNLBToolsCmd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nlb",
        abstract: "Rewrite nlb_tools' saved tensors (train_input.h5, eval_input.h5, eval target) in the classic layout.",
        discussion: "Each location is FILE.h5 or FILE.h5:/group (e.g. the group named after the dataset in the eval target).")

    @Option(help: "train_spikes_heldin/heldout (+ _forward, train_behavior).") var trainInput: String
    @Option(help: "eval_spikes_heldin (+ eval_spikes_heldout on the val split).") var evalInput: String
    @Option(help: "make_eval_target_tensors' group: eval forward spikes, eval_behavior, psth and condition lists.") var evalTarget: String?
    @Option(help: "Bin width in ms, recorded as bin_ms.") var binMs: Double?
    @OptionGroup var output: PrepareOutput

    func run() throws {
        try output.write { out, command in
            try PrepareTensors.fromNLBTools(trainInput: .init(trainInput), evalInput: .init(evalInput),
                                            evalTarget: evalTarget.map { .init($0) }, binMs: try binWidth(binMs),
                                            out: out, command: command)
        }
    }
}

struct PrepareLFADSTorchCmd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lfads-torch",
        abstract: "Rewrite an lfads-torch data file ({train,valid}_{encod,recon}_data) in the classic layout.")

    @Argument(help: "The lfads-torch HDF5 file (or FILE.h5:/group).") var file: String
    @Option(help: "Bin width in ms, recorded as bin_ms.") var binMs: Double?
    @OptionGroup var output: PrepareOutput

    func run() throws {
        try output.write { out, command in
            try PrepareTensors.fromLFADSTorch(.init(file), binMs: try binWidth(binMs), out: out, command: command)
        }
    }
}

/// The output of every `prepare` layout: a new file that an existing one is never silently replaced by.
struct PrepareOutput: ParsableArguments {
    @Option(help: "Output HDF5 training file.") var out: String
    @Flag(help: "Overwrite --out if it exists.") var force = false

    /// Runs `body` (given --out and the command line to record) and prints its summary, one clear
    /// error line on failure.
    func write(_ body: (_ out: String, _ command: String) throws -> String) throws {
        try reportingErrors {
            if FileManager.default.fileExists(atPath: out) && !force {
                throw PrepareError("\(out) already exists; use --force to overwrite it")
            }
            let command = (["spikesae"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
            print(try body(out, command))
            print("wrote \(out)")
        }
    }
}
