import App
import ArgumentParser

/// The options `train` and `search` share: where the config, data and outputs are, overrides, and
/// resuming or replacing an earlier run.
struct RunArguments: ParsableArguments {
    @Option(help: "YAML config (see configs/).") var config: String?
    @Option(help: "HDF5 data file; overrides the config's data section.") var data: String?
    @Option(help: "Output directory (default: runs/train for train, runs/search for search).") var out: String?
    @Option(name: .customLong("set"), help: "Override a config value, e.g. --set lr=0.01 or --set data.synth.seed=3 (repeatable).")
    var overrides: [String] = []
    @Option(help: "Continue the run or search in this directory from its last checkpoint.") var resume: String?
    @Flag(help: "Overwrite the outputs of an existing run in --out.") var force = false
    @Option(help: "Stop, checkpointed, after this many epochs (train) or finished trials (search) of this invocation; continue with --resume.")
    var stopAfter: Int?

    func validate() throws {
        if config == nil && resume == nil { throw ValidationError("give --config FILE (or --resume DIR)") }
        if resume != nil && (config != nil || data != nil) {
            throw ValidationError("--resume DIR reads DIR/config.yaml; don't combine it with --config or --data")
        }
        if resume != nil && out != nil { throw ValidationError("--resume DIR continues in DIR; don't combine it with --out") }
        if let stopAfter, stopAfter < 1 { throw ValidationError("--stop-after must be ≥ 1") }
    }

    func options(defaultOut: String) -> RunOptions {
        var o = RunOptions(outDir: resume ?? out ?? defaultOut)
        o.configPath = config; o.dataPath = data; o.overrides = overrides
        o.resume = resume != nil; o.force = force; o.stopAfter = stopAfter
        return o
    }
}
