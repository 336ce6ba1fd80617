
/// A failure every rank of the group knows about, so each can exit without waiting for the others.
/// `underlying` is set on exactly one rank (the lowest that failed), which prints it; the other
/// ranks exit quietly, so a bad config prints one message, not one per rank.
public struct AgreedFailure: Error, CustomStringConvertible {
    public let underlying: Error?
    public let failedRanks: [Int]
    public let groupSize: Int
    public var description: String {
        let ranks = failedRanks.map(String.init).joined(separator: ", ")
        guard let underlying else { return "rank\(failedRanks.count == 1 ? "" : "s") \(ranks) failed" }
        if failedRanks.count == groupSize { return "\(underlying)" }
        return "rank \(failedRanks[0]) of \(groupSize): \(underlying)"
            + (failedRanks.count > 1 ? " (failed ranks: \(ranks))" : "")
    }
}

/// Runs `body` on every rank, then agrees (one allreduce) on whether any rank failed before the
/// group goes on to the next collective. One process: `body`'s own error, unchanged.
public func agree<T>(_ comm: Communicator, _ body: () throws -> T) throws -> T {
    if comm.size == 1 { return try body() }
    var result: Result<T, Error>
    do { result = .success(try body()) } catch { result = .failure(error) }
    var failed = [Double](repeating: 0, count: comm.size)
    if case .failure = result { failed[comm.rank] = 1 }
    try comm.allreduceSum(&failed)
    let ranks = failed.indices.filter { failed[$0] > 0 }
    guard let first = ranks.first else { return try result.get() }
    if case .failure(let e) = result, comm.rank == first { throw AgreedFailure(underlying: e, failedRanks: ranks, groupSize: comm.size) }
    throw AgreedFailure(underlying: nil, failedRanks: ranks, groupSize: comm.size)
}

/// True on every rank when `flag` is true on any rank: one allreduce, so ranks stop together.
public func anyRank(_ comm: Communicator, _ flag: Bool) throws -> Bool {
    if comm.size == 1 { return flag }
    var v = [flag ? 1.0 : 0.0]
    try comm.allreduceSum(&v)
    return v[0] > 0
}
