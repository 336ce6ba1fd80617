import ArgumentParser
import Foundation

@main
struct SpikeSAE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spikesae",
        abstract: "LFADS sequential autoencoders with coordinated dropout and sample validation.",
        subcommands: [PrepareCmd.self, Train.self, SearchCmd.self, Eval.self, SynthCmd.self, GradCheck.self, BenchCmd.self, MPICheckCommand.self, ReportCmd.self])

    /// Under mpirun every rank parses the same arguments; only world rank 0 prints usage errors and
    /// help, so a typo shows once, not once per rank.
    static func main() {
        guard let rank = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_RANK"], rank != "0" else {
            return main(nil)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            Foundation.exit(exitCode(for: error).rawValue)
        }
    }
}
