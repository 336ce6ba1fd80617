import App
import ArgumentParser
import Foundation
import Cluster
import SearchMPI

struct SearchCmd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Random search or population-based training across dataset-size subsamples.",
        discussion: """
            Writes DIR/results.h5 (a row per trial or PBT member-generation with hyperparameters, \
            metrics, status and parent; per-epoch curves; the subsets; the selected model's rates per \
            size), DIR/best/size<i>/params.h5, DIR/config.yaml and DIR/search_state.json (for --resume). \
            SIGUSR1, SIGTERM or Ctrl-C checkpoint and exit with code 3; `--resume DIR` continues \
            without retraining finished trials.
            """)

    @Option(help: "YAML config with a 'search' section (see configs/search-*.yaml).") var config: String?
    @Option(help: "HDF5 data file; overrides the config's data section.") var data: String?
    @Option(help: "Output directory.") var out: String = "runs/search"
    @Option(name: .customLong("set"), help: "Override a config value, e.g. --set search.trials_per_size=4 (repeatable).")
    var overrides: [String] = []
    @Option(help: "Continue the search in this directory.") var resume: String?
    @Flag(help: "Overwrite an existing search in --out.") var force = false
    @Option(help: "Stop (checkpointed) after this many finished trials of this invocation.") var stopAfter: Int?

    func validate() throws {
        if config == nil && resume == nil { throw ValidationError("give --config FILE (or --resume DIR)") }
        if resume != nil && (config != nil || data != nil) {
            throw ValidationError("--resume DIR reads DIR/config.yaml; don't combine it with --config or --data")
        }
    }

    func run() throws {
        var o = RunOptions(outDir: resume ?? out)
        o.configPath = config; o.dataPath = data; o.overrides = overrides
        o.resume = resume != nil; o.force = force; o.stopAfter = stopAfter
        guard MPIRuntime.launchedByMPIRun else {
            let code = try reportingErrors { try SearchRun.run(o) }
            if code != .ok { throw ExitCode(code.rawValue) }
            return
        }
        try Self.runUnderMPI(o)
    }

    /// World rank 0 coordinates and the other ranks train; with one rank, the in-process search.
    static func runUnderMPI(_ o: RunOptions) throws {
        try ModelGroupLaunch.withWorld { world in
            StopSignal.install()
            let log: (String) -> Void = world.rank == 0 ? { print($0); fflush(nil) } : { _ in }
            let code = world.size == 1 ? try SearchRun.run(o, log: log) : try MPISearch.run(o, world: world, log: log)
            return code.rawValue
        }
    }
}
