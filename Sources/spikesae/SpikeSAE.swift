import ArgumentParser

@main
struct SpikeSAE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spikesae",
        abstract: "LFADS sequential autoencoders with coordinated dropout and sample validation.",
        subcommands: [Train.self, Eval.self, SynthCmd.self, GradCheck.self])
}
