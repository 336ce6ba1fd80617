/// The ranks of one model group, as the trainer sees them. One process: rank 0 of 1, and the
/// collectives are no-ops; the MPI implementation lives in the Cluster module.
public protocol Communicator: AnyObject {
    var rank: Int { get }
    var size: Int { get }
    /// Element-wise sum over the group, in place, identical on every rank afterwards.
    func allreduceSum(_ x: inout [Float]) throws
    func allreduceSum(_ x: inout [Double]) throws
}

public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allreduceSum(_ x: inout [Float]) throws {}
    public func allreduceSum(_ x: inout [Double]) throws {}
}

extension Communicator {
    /// This rank's share [lo, hi) of n items split as evenly as possible, in rank order.
    public func share(of n: Int) -> Range<Int> {
        let lo = n * rank / size, hi = n * (rank + 1) / size
        return lo..<hi
    }
}
