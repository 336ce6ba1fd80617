import App
import SearchRunner
import ArgumentParser
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

    @OptionGroup var common: RunArguments

    func run() throws {
        let o = common.options(defaultOut: "runs/search")
        guard MPIRuntime.launchedByMPIRun else {
            let code = try reportingErrors { try SearchRun.run(o) }
            try endCommand(exitCode: code.rawValue)
            return
        }
        try endCommand(exitCode: MPISearch.launch(o))
    }
}
