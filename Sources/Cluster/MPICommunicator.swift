import CMPI
import Foundation
import Training

/// An MPI communicator (the world, or one model group) as the trainer's `Communicator`.
public final class MPICommunicator: Communicator {
    let comm: MPI_Comm
    /// Freed in deinit: split communicators are ours, MPI_COMM_WORLD is not.
    let owned: Bool
    public let rank: Int
    public let size: Int

    init(_ comm: MPI_Comm, owned: Bool) throws {
        self.comm = comm
        self.owned = owned
        try check(MPI_Comm_set_errhandler(comm, cmpi_errors_return()), "MPI_Comm_set_errhandler")
        var r: Int32 = 0, s: Int32 = 0
        try check(MPI_Comm_rank(comm, &r), "MPI_Comm_rank")
        try check(MPI_Comm_size(comm, &s), "MPI_Comm_size")
        rank = Int(r); size = Int(s)
    }

    deinit {
        if owned && MPIRuntime.isInitialized && !MPIRuntime.isFinalized {
            var c: MPI_Comm? = comm
            MPI_Comm_free(&c)
        }
    }

    public var isLeader: Bool { rank == 0 }

    /// The raw communicator, for libraries that take one (parallel HDF5's MPI-IO driver).
    public var handle: MPI_Comm { comm }

    public func allreduceSum(_ x: inout [Float]) throws {
        try allreduce(&x, type: cmpi_float(), op: cmpi_sum(), what: "sum", of: "floats")
    }

    public func allreduceSum(_ x: inout [Double]) throws {
        try allreduce(&x, type: cmpi_double(), op: cmpi_sum(), what: "sum", of: "doubles")
    }

    /// Replaces `x` on every rank with the root's `x`; all ranks must pass the same count.
    public func broadcast(_ x: inout [Float], from root: Int = 0) throws {
        try bcast(&x, type: cmpi_float(), root: root, of: "floats")
    }

    public func broadcast(_ x: inout [Double], from root: Int = 0) throws {
        try bcast(&x, type: cmpi_double(), root: root, of: "doubles")
    }

    /// Blocks until every rank of the communicator arrives; Open MPI busy-polls a core meanwhile.
    public func barrier() throws {
        try check(MPI_Barrier(comm), "MPI_Barrier")
    }

    /// A barrier that sleeps between checks, for a rank that may wait long (e.g. while the leader
    /// writes outputs), so it costs a few % of a core instead of 100 % (docs/hpc.md §3).
    public func barrier(pollingEvery interval: Duration) throws {
        var request: MPI_Request? = cmpi_request_null()
        try check(MPI_Ibarrier(comm, &request), "MPI_Ibarrier")
        var done: Int32 = 0
        while true {
            try check(MPI_Test(&request, &done, nil), "MPI_Test(barrier)")
            if done != 0 { return }
            sleep(for: interval)
        }
    }

    /// MPI counts are Int32, so long buffers go in chunks.
    static let maxChunk = 1 << 30

    func allreduce<T>(_ x: inout [T], type: MPI_Datatype, op: MPI_Op, what: StaticString, of unit: StaticString) throws {
        try x.withUnsafeMutableBufferPointer { p in
            var lo = 0
            while lo < p.count {
                let n = min(Self.maxChunk, p.count - lo)
                try check(MPI_Allreduce(cmpi_in_place(), p.baseAddress! + lo, Int32(n), type, op, comm),
                          "MPI_Allreduce(\(what) of \(p.count) \(unit))")
                lo += n
            }
        }
    }

    func bcast<T>(_ x: inout [T], type: MPI_Datatype, root: Int, of unit: StaticString) throws {
        guard (0..<size).contains(root) else { throw ClusterError("broadcast root \(root) is not a rank of a group of \(size)") }
        try x.withUnsafeMutableBufferPointer { p in
            var lo = 0
            while lo < p.count {
                let n = min(Self.maxChunk, p.count - lo)
                try check(MPI_Bcast(p.baseAddress! + lo, Int32(n), type, Int32(root), comm),
                          "MPI_Bcast(\(p.count) \(unit) from rank \(root))")
                lo += n
            }
        }
    }
}

/// usleep for a Duration, for the poll loops.
func sleep(for d: Duration) {
    let (s, atto) = d.components
    usleep(useconds_t(max(0, s * 1_000_000 + atto / 1_000_000_000_000)))
}
