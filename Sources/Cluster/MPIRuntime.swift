import CMPI
import Foundation

/// Process-wide MPI state: start, stop, abort. Only processes started by mpirun call MPI_Init, so
/// plain runs and `swift test` never touch MPI.
public enum MPIRuntime {
    /// Open MPI sets OMPI_COMM_WORLD_SIZE in every rank it launches (mpirun, and srun with PMIx).
    public static var launchedByMPIRun: Bool {
        ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil
    }

    public static var isInitialized: Bool {
        var flag: Int32 = 0
        MPI_Initialized(&flag)
        return flag != 0
    }

    public static var isFinalized: Bool {
        var flag: Int32 = 0
        MPI_Finalized(&flag)
        return flag != 0
    }

    /// MPI_Init_thread with FUNNELED (only the main thread calls MPI; OpenBLAS threads never do)
    /// and the world communicator set to return errors instead of aborting.
    public static func initialize() throws -> MPICommunicator {
        if !isInitialized {
            var provided: Int32 = 0
            try check(MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided), "MPI_Init_thread")
            if provided < Int32(MPI_THREAD_FUNNELED) {
                throw ClusterError("this MPI library provides thread level \(provided), below MPI_THREAD_FUNNELED")
            }
        }
        return try world()
    }

    /// MPI_COMM_WORLD; needs `initialize()` first.
    public static func world() throws -> MPICommunicator {
        try MPICommunicator(cmpi_comm_world(), owned: false)
    }

    /// Collective: every rank must get here, or the ones that do wait for the rest.
    public static func finalize() throws {
        if isInitialized && !isFinalized { try check(MPI_Finalize(), "MPI_Finalize") }
    }

    /// Ends every rank of the job now: for a failure on one rank while the others may be blocked in
    /// a collective, where a plain exit would leave them waiting. Prints `message` first.
    public static func abort(code: Int32, message: String? = nil) -> Never {
        let live = isInitialized && !isFinalized
        if let message {
            let who = live ? ((try? world()).map { "rank \($0.rank): " } ?? "") : ""
            FileHandle.standardError.write(Data("error: \(who)\(message)\n".utf8))
        }
        fflush(nil)
        if live { MPI_Abort(cmpi_comm_world(), code) }
        exit(code)
    }
}
