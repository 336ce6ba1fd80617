import ArgumentParser
import Cluster
import Foundation

struct MPICheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpi-check",
        abstract: "Check an MPI launch: collectives, model groups and coordinator messages, with allreduce timings.",
        discussion: """
            Run it as `mpirun -np P spikesae mpi-check`. World rank 0 plays a search coordinator; ranks \
            1..P-1 form model groups of --ranks-per-model consecutive ranks. Checks allreduce on the \
            world and in each group, broadcast from each group leader, a polling barrier, and a byte and \
            a float message from every group leader to the coordinator, which waits by polling. \
            Rank 0 prints one summary; any mismatch ends the job with exit 1.
            """)

    @Option(help: "Ranks per model group among ranks 1..P-1 (default: all of them, one group).") var ranksPerModel: Int?
    @Option(help: "Floats per timed allreduce (4 bytes each).") var floats = 1 << 20
    @Option(help: "Timed allreduces after 5 untimed ones.") var repeats = 20

    func validate() throws {
        if let ranksPerModel, ranksPerModel < 1 { throw ValidationError("--ranks-per-model must be ≥ 1") }
        if floats < 1 || repeats < 1 { throw ValidationError("--floats and --repeats must be ≥ 1") }
    }

    func run() throws {
        guard MPIRuntime.launchedByMPIRun else { throw ValidationError("start it under mpirun: `mpirun -np 3 spikesae mpi-check`") }
        try endCommand(exitCode: MPICheck(ranksPerModel: ranksPerModel, floats: floats, repeats: repeats).launch())
    }
}
