import App
import ArgumentParser
import Cluster

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

    @OptionGroup var common: RunArguments
    @Option(help: ArgumentHelp("Under mpirun: ranks that train the model together, each on its share of every minibatch (default: all ranks, or $SPIKESAE_RANKS_PER_MODEL).",
                               valueName: "K"))
    var ranksPerModel: Int?
    @Option(help: ArgumentHelp("Debugging aid: group rank R fails while loading the data, to check that a failure on one rank ends every rank with one error line (exit 1).",
                               valueName: "R"))
    var debugFailRank: Int?

    func validate() throws {
        if let ranksPerModel, ranksPerModel < 1 { throw ValidationError("--ranks-per-model must be ≥ 1") }
    }

    func run() throws {
        var o = common.options(defaultOut: "runs/train")
        o.debugFailRank = debugFailRank
        try endCommand(exitCode: ModelGroupLaunch.run(ranksPerModel: ranksPerModel) { comm in try TrainRun.run(o, comm: comm).rawValue })
    }
}
