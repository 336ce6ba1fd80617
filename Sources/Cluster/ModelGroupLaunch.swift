import Foundation
import Training

/// Runs a command's work on one model group: under mpirun (detected by OMPI_COMM_WORLD_SIZE) on an
/// MPI group of the world's ranks, otherwise in this process alone without touching MPI. Every
/// function returns the process's exit code; errors are printed once, as one line on stderr.
public enum ModelGroupLaunch {
    /// mpirun -x SPIKESAE_RANKS_PER_MODEL=K sets the group size when --ranks-per-model is not given.
    public static let ranksPerModelVariable = "SPIKESAE_RANKS_PER_MODEL"

    /// `body` returns the exit code. Under mpirun, all world ranks must form exactly one group of
    /// `ranksPerModel` (default: all of them), since the command trains one model.
    public static func run(ranksPerModel: Int?, _ body: (Communicator) throws -> Int32) -> Int32 {
        guard MPIRuntime.launchedByMPIRun else {
            return reportingErrors {
                if let k = try ranksPerModel ?? ranksPerModelFromEnvironment(), k != 1 {
                    throw ClusterError("--ranks-per-model \(k) needs \(k) MPI ranks: start it as `mpirun -np \(k) spikesae ...`")
                }
                return try body(SingleProcess())
            }
        }
        return withWorld { world in
            let layout = try agree(world) { () throws -> GroupLayout in
                let k = try ranksPerModel ?? ranksPerModelFromEnvironment() ?? world.size
                let layout = try GroupLayout(ranks: Array(0..<world.size), ranksPerModel: k)
                guard layout.groupCount == 1 else {
                    throw ClusterError("--ranks-per-model \(k) with \(world.size) ranks would make \(layout.groupCount) model groups, "
                                       + "but this command trains one model: start mpirun with -np \(k)")
                }
                return layout
            }
            guard let group = try world.split(layout) else { throw ClusterError("rank \(world.rank) is in no model group") }
            let code = try body(group)
            // The other ranks wait here while the leader infers rates and writes outputs, sleeping
            // between checks instead of spinning a core in MPI_Finalize.
            try group.barrier(pollingEvery: .milliseconds(5))
            return code
        }
    }

    /// MPI_Init, `body` on the world, MPI_Finalize. A failure every rank agreed on prints once and
    /// exits 1 everywhere; a failure on one rank alone, once the ranks work together, ends the whole
    /// job (the others may be blocked in a collective).
    public static func withWorld(_ body: (MPICommunicator) throws -> Int32) -> Int32 {
        let world: MPICommunicator
        do { world = try MPIRuntime.initialize() } catch {
            printError("\(error)")
            return 1
        }
        let code: Int32
        do {
            code = try body(world)
        } catch let e as AgreedFailure {
            if e.underlying != nil { printError(e.description) }
            try? MPIRuntime.finalize()
            return 1
        } catch {
            if world.size == 1 {
                printError("\(error)")
                try? MPIRuntime.finalize()
                return 1
            }
            MPIRuntime.abort(code: 1, message: "\(error)")
        }
        do { try MPIRuntime.finalize() } catch {
            printError("\(error)")
            return code == 0 ? 1 : code
        }
        return code
    }

    /// `body`'s exit code, or 1 after printing its error as one line on stderr (never a stack trace).
    static func reportingErrors(_ body: () throws -> Int32) -> Int32 {
        do { return try body() } catch {
            printError("\(error)")
            return 1
        }
    }

    static func ranksPerModelFromEnvironment() throws -> Int? {
        guard let s = ProcessInfo.processInfo.environment[ranksPerModelVariable] else { return nil }
        guard let k = Int(s), k >= 1 else { throw ClusterError("\(ranksPerModelVariable)=\(s) is not a positive integer") }
        return k
    }
}

/// A user error as one line on stderr.
public func printError(_ message: String) {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}
