import Training

/// A communicator that adds up the wall time spent in its allreduces, including the wait for the
/// slowest rank, which is part of what data parallelism costs.
public final class TimedCommunicator: Communicator {
    public let inner: Communicator
    public private(set) var seconds = 0.0
    public init(_ inner: Communicator) { self.inner = inner }
    public var rank: Int { inner.rank }
    public var size: Int { inner.size }
    public func allreduceSum(_ x: inout [Float]) throws {
        let t0 = monotonicSeconds()
        defer { seconds += monotonicSeconds() - t0 }
        try inner.allreduceSum(&x)
    }
    public func allreduceSum(_ x: inout [Double]) throws {
        let t0 = monotonicSeconds()
        defer { seconds += monotonicSeconds() - t0 }
        try inner.allreduceSum(&x)
    }
}
