import Foundation

/// `spikesae mpi-check`: world rank 0 plays a search coordinator, ranks 1..P-1 form model groups of
/// `ranksPerModel`; checks allreduce on the world and in each group, broadcast from each group
/// leader, a polling barrier, and a byte and a float message from every leader to the coordinator,
/// then times allreduce.
public struct MPICheck {
    public var ranksPerModel: Int?
    public var floats: Int
    public var repeats: Int

    public init(ranksPerModel: Int?, floats: Int, repeats: Int) {
        self.ranksPerModel = ranksPerModel; self.floats = floats; self.repeats = repeats
    }

    /// Under mpirun: MPI_Init, the check, one summary printed by rank 0, MPI_Finalize; returns the
    /// exit code. Any mismatch aborts the whole job with exit 1.
    public func launch() -> Int32 {
        let world: MPICommunicator
        do { world = try MPIRuntime.initialize() } catch {
            printError("\(error)")
            return 1
        }
        do {
            let summary = try check(world)
            if world.isLeader { print(summary); fflush(nil) }
            try MPIRuntime.finalize()
            return 0
        } catch {
            MPIRuntime.abort(code: 1, message: "mpi-check: \(error)")
        }
    }

    static let nameTag = 1, sumTag = 2

    public func check(_ world: MPICommunicator) throws -> String {
        let P = world.size, me = world.rank
        var f = [Float(me)], d = [Double(me)]
        try world.allreduceSum(&f)
        try world.allreduceSum(&d)
        let expected = Double(P * (P - 1) / 2)
        try expect(Double(f[0]) == expected && d[0] == expected, "world allreduce gave \(f[0]) and \(d[0]), expected \(expected)")

        guard P > 1 else { return "mpi-check: 1 rank (no model groups to check); " + (try timeAllreduce(world)) }
        let layout = try GroupLayout(ranks: Array(1..<P), ranksPerModel: ranksPerModel ?? (P - 1))
        let group = try world.split(layout)
        try expect((group == nil) == (me == 0), "rank \(me): split gave \(group == nil ? "no" : "a") group")
        if let group, let g = layout.group(of: me) {
            let members = layout.members(of: g)
            try expect(group.size == members.count && members[group.rank] == me,
                       "rank \(me) is rank \(group.rank) of \(group.size) in group \(g), expected one of \(members)")
            var fromLeader = [Float(members[0]), 0.5], fromLeaderD = [Double(members[0]), 0.25]
            if !group.isLeader { fromLeader = [-1, -1]; fromLeaderD = [-1, -1] }
            try group.broadcast(&fromLeader)
            try group.broadcast(&fromLeaderD)
            try expect(fromLeader == [Float(members[0]), 0.5] && fromLeaderD == [Double(members[0]), 0.25],
                       "broadcast in group \(g) gave \(fromLeader) and \(fromLeaderD)")
            var sum = [Double(me)]
            try group.allreduceSum(&sum)
            try expect(sum[0] == Double(members.reduce(0, +)), "allreduce in group \(g) gave \(sum[0])")
            try group.barrier(pollingEvery: .milliseconds(2))
            if group.isLeader {
                try world.send(Array("group \(g) leader \(me)".utf8), to: 0, tag: Self.nameTag)
                try world.send([Float(sum[0])], to: 0, tag: Self.sumTag)
            }
        } else {
            var heard: [Int: (String, Float)] = [:], pending: [Int: String] = [:]
            let deadline = ContinuousClock.now + .seconds(60)
            while heard.count < layout.groupCount {
                guard let e = try world.waitForMessage(until: deadline) else {
                    throw ClusterError("coordinator heard from \(heard.count) of \(layout.groupCount) group leaders in 60 s")
                }
                if e.tag == Self.nameTag {
                    pending[e.source] = String(decoding: try world.receiveBytes(e), as: UTF8.self)
                } else if e.tag == Self.sumTag, let name = pending[e.source] {
                    heard[e.source] = (name, try world.receiveFloats(e)[0])
                } else {
                    throw ClusterError("unexpected message from rank \(e.source), tag \(e.tag), \(e.byteCount) bytes")
                }
            }
            for g in 0..<layout.groupCount {
                let m = layout.members(of: g)
                try expect(heard[m[0]]?.0 == "group \(g) leader \(m[0])" && heard[m[0]]?.1 == Float(m.reduce(0, +)),
                           "group \(g) leader \(m[0]) sent \(String(describing: heard[m[0]]))")
            }
        }
        let timing = try timeAllreduce(world)
        return "mpi-check: \(P) ranks, coordinator + \(layout.groupCount) model group(s) of \(layout.ranksPerModel): "
            + "allreduce, split, broadcast, barrier and messages ok; " + timing
    }

    /// Median over `repeats` in-place allreduces of `floats` floats on all ranks, as rank 0 saw it.
    func timeAllreduce(_ world: MPICommunicator) throws -> String {
        var x = [Float](repeating: 1, count: floats)
        var times: [Double] = []
        for i in 0..<(5 + repeats) {
            for j in x.indices { x[j] = 1 }
            let t0 = ContinuousClock.now
            try world.allreduceSum(&x)
            let dt = ContinuousClock.now - t0
            if i >= 5 { times.append(Double(dt.components.seconds) + Double(dt.components.attoseconds) * 1e-18) }
        }
        try expect(x.allSatisfy { $0 == Float(world.size) }, "allreduce of \(floats) floats gave a wrong sum")
        let ms = times.sorted()[times.count / 2] * 1e3
        return String(format: "allreduce of %.2f MB: %.3f ms (median of %d)", Double(floats * 4) / 1e6, ms, repeats)
    }

    func expect(_ ok: Bool, _ what: @autoclosure () -> String) throws {
        if !ok { throw ClusterError(what()) }
    }
}
