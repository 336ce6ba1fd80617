import App
import ArgumentParser
import Foundation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train one LFADS model (with CD and SV) and write its parameters, rates and metrics.",
        discussion: """
            Writes DIR/params.h5 (the selected model in the public parameter layout), DIR/rates.h5 \
            (inferred rates, factors, generator states, controller outputs and IC posteriors), \
            DIR/metrics.json, DIR/history.csv (one row per epoch), DIR/config.yaml (the resolved \
            config) and DIR/checkpoint.h5 (for --resume). Ctrl-C, SIGTERM or SIGUSR1 stop after the \
            current epoch's checkpoint (exit 3); `--resume DIR` continues. Exit 2: training diverged.

            Under `mpirun -np K`, the K ranks train the one model data parallel: each computes the \
            gradient of its share of every minibatch and one allreduce sums them. Rank 0 alone writes \
            and prints. Stop an MPI run with SIGUSR1 to mpirun (Ctrl-C ends it about 1 s later).
            """)

    @Option(help: "YAML config (see configs/).") var config: String?
    @Option(help: "HDF5 data file with train_data/valid_data [trials, time, neurons]; overrides the config's data section.")
    var data: String?
    @Option(help: "Output directory.") var out: String = "runs/train"
    @Option(name: .customLong("set"), help: "Override a config value, e.g. --set lr=0.01 or --set data.synth.seed=3 (repeatable).")
    var overrides: [String] = []
    @Option(help: "Continue the interrupted run in this directory from its last saved epoch.") var resume: String?
    @Flag(help: "Overwrite the outputs of an existing run in --out.") var force = false
    @Option(help: "Stop after this many epochs (checkpointed; continue later with --resume).") var stopAfter: Int?
    @Option(help: ArgumentHelp("Under mpirun: ranks that train the model together, each on its share of every minibatch (default: all ranks, or $SPIKESAE_RANKS_PER_MODEL).",
                               valueName: "K"))
    var ranksPerModel: Int?
    @Option(help: ArgumentHelp("Debugging aid: group rank R fails while loading the data, to check that a failure on one rank ends every rank with one error line (exit 1).",
                               valueName: "R"))
    var debugFailRank: Int?

    func validate() throws {
        if config == nil && resume == nil { throw ValidationError("give --config FILE (or --resume DIR)") }
        if resume != nil && (config != nil || data != nil) {
            throw ValidationError("--resume DIR reads DIR/config.yaml; don't combine it with --config or --data")
        }
        if let ranksPerModel, ranksPerModel < 1 { throw ValidationError("--ranks-per-model must be ≥ 1") }
    }

    func run() throws {
        var o = RunOptions(outDir: resume ?? out)
        o.configPath = config; o.dataPath = data; o.overrides = overrides
        o.resume = resume != nil; o.force = force; o.stopAfter = stopAfter; o.debugFailRank = debugFailRank
        try ModelGroupLaunch.run(ranksPerModel: ranksPerModel) { comm in try TrainRun.run(o, comm: comm).rawValue }
    }
}

/// Prints a user error as one line on stderr and exits 1, instead of a stack trace.
func reportingErrors<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch let e as ExitCode { throw e } catch let e as ValidationError { throw e } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}
