import CMPI

/// A message waiting to be received: who sent it, its tag and its size.
public struct Envelope: Equatable, Sendable {
    public let source: Int
    public let tag: Int
    public let byteCount: Int
}

/// Point-to-point messages, for a search coordinator and group leaders. Tags must be in
/// 0...32767 (the smallest MPI_TAG_UB the standard allows).
extension MPICommunicator {
    public func send(_ bytes: [UInt8], to dest: Int, tag: Int) throws {
        try checkPeer(dest, tag: tag)
        try check(MPI_Send(bytes, Int32(bytes.count), cmpi_byte(), Int32(dest), Int32(tag), comm),
                  "MPI_Send(\(bytes.count) bytes to rank \(dest), tag \(tag))")
    }

    public func send(_ floats: [Float], to dest: Int, tag: Int) throws {
        try checkPeer(dest, tag: tag)
        try check(MPI_Send(floats, Int32(floats.count), cmpi_float(), Int32(dest), Int32(tag), comm),
                  "MPI_Send(\(floats.count) floats to rank \(dest), tag \(tag))")
    }

    /// One non-blocking look (MPI_Iprobe) for a message from `source` with `tag` (nil: any).
    public func probe(from source: Int? = nil, tag: Int? = nil) throws -> Envelope? {
        var flag: Int32 = 0
        var status = MPI_Status()
        try check(MPI_Iprobe(Int32(source ?? Int(MPI_ANY_SOURCE)), Int32(tag ?? Int(MPI_ANY_TAG)), comm, &flag, &status),
                  "MPI_Iprobe")
        guard flag != 0 else { return nil }
        var count: Int32 = 0
        try check(MPI_Get_count(&status, cmpi_byte(), &count), "MPI_Get_count")
        return Envelope(source: Int(status.MPI_SOURCE), tag: Int(status.MPI_TAG), byteCount: Int(count))
    }

    /// Waits for a message by probing and sleeping `interval` in between, so a waiting coordinator
    /// idles at a few % of a core where a blocking MPI_Recv would spin at 100 % (docs/hpc.md §3).
    /// Returns nil if `deadline` passes first.
    public func waitForMessage(from source: Int? = nil, tag: Int? = nil, pollingEvery interval: Duration = .milliseconds(2),
                               until deadline: ContinuousClock.Instant? = nil) throws -> Envelope? {
        while true {
            if let e = try probe(from: source, tag: tag) { return e }
            if let deadline, ContinuousClock.now >= deadline { return nil }
            sleep(for: interval)
        }
    }

    /// Receives the message `e` announced, as bytes.
    public func receiveBytes(_ e: Envelope) throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: e.byteCount)
        try check(MPI_Recv(&buf, Int32(e.byteCount), cmpi_byte(), Int32(e.source), Int32(e.tag), comm, nil),
                  "MPI_Recv(\(e.byteCount) bytes from rank \(e.source), tag \(e.tag))")
        return buf
    }

    /// Receives the message `e` announced, as floats.
    public func receiveFloats(_ e: Envelope) throws -> [Float] {
        guard e.byteCount % MemoryLayout<Float>.size == 0 else {
            throw ClusterError("message from rank \(e.source), tag \(e.tag) has \(e.byteCount) bytes, not a whole number of floats")
        }
        var buf = [Float](repeating: 0, count: e.byteCount / MemoryLayout<Float>.size)
        try check(MPI_Recv(&buf, Int32(buf.count), cmpi_float(), Int32(e.source), Int32(e.tag), comm, nil),
                  "MPI_Recv(\(buf.count) floats from rank \(e.source), tag \(e.tag))")
        return buf
    }

    func checkPeer(_ dest: Int, tag: Int) throws {
        guard (0..<size).contains(dest) else { throw ClusterError("rank \(dest) is not in a communicator of \(size) ranks") }
        guard (0...32767).contains(tag) else { throw ClusterError("message tag \(tag) is outside 0...32767") }
    }
}
