import App
import SearchRunner
import Cluster
import Foundation
import Search
import Store
import Training

/// `spikesae search` under mpirun (docs/search.md §2): world rank 0 coordinates, the other ranks form
/// model groups of `ranks_per_model`; each group's leader receives work from the coordinator, hands
/// it to its members, and reports the result. Every wait polls with a short sleep, so no rank
/// spins a core while idle.
public enum MPISearch {
    /// `spikesae search` under mpirun: MPI_Init, the search, MPI_Finalize; returns the exit code.
    /// World rank 0 alone logs. With one rank, the in-process search.
    public static func launch(_ o: RunOptions) -> Int32 {
        ModelGroupLaunch.withWorld { world in
            StopSignal.install()
            let log: (String) -> Void = world.rank == 0 ? { print($0); fflush(nil) } : { _ in }
            let code = world.size == 1 ? try SearchRun.run(o, log: log) : try run(o, world: world, log: log)
            return code.rawValue
        }
    }

    public static func run(_ o: RunOptions, world: MPICommunicator, log: @escaping (String) -> Void) throws -> TrainExit {
        let isCoordinator = world.rank == 0
        // Phase 1: the coordinator prepares the directory and any synthetic data; phase 2: the others
        // read and validate. Each phase ends in an agreement, so bad input stops every rank at once.
        let mine = try agree(world) { isCoordinator ? try SearchRun.prepare(o, writer: true, log: log) : nil }
        let setup = try agree(world) { try mine ?? SearchRun.prepare(o, writer: false, log: { _ in }) }
        let layout = try agree(world) { () throws -> GroupLayout in
            let k = setup.spec.ranksPerModel
            guard world.size - 1 >= k, (world.size - 1) % k == 0 else {
                throw ClusterError("search.ranks_per_model \(k) does not divide the \(world.size - 1) worker ranks "
                                   + "(world rank 0 coordinates): start mpirun with -np 1 + a multiple of \(k)")
            }
            return try GroupLayout(ranks: Array(1..<world.size), ranksPerModel: k)
        }
        let group = try world.split(layout)
        if isCoordinator {
            var s = setup
            s.attributes["world_size"] = "\(world.size)"
            s.attributes["ranks_per_model"] = "\(layout.ranksPerModel)"
            return try coordinate(SearchSession(setup: s, options: o, log: log), world: world, layout: layout, log: log)
        }
        guard let group else { throw ClusterError("rank \(world.rank) is in no model group") }
        let worker = setup.makeWorker()
        let members = layout.members(of: layout.group(of: world.rank)!)
        return try serve(worker, world: world, group: group, leaderWorldRank: members[0], members: members,
                         dir: setup.dir, searched: setup.spec.space.keys.sorted())
    }

    /// The coordinator's loop: hand out items to idle leaders, record results, checkpoint.
    static func coordinate(_ session: SearchSession, world: MPICommunicator, layout: GroupLayout,
                           log: (String) -> Void) throws -> TrainExit {
        let leaders = (0..<layout.groupCount).map { layout.members(of: $0)[0] }
        var idle = leaders, inFlight: [Int: Int] = [:]   // leader → row
        var trainedBy: [Int: Int] = [:]                   // row → leader, for the parallel results file
        var stopping = false
        log("\(layout.groupCount) model group(s) of \(layout.ranksPerModel) rank(s); world rank 0 coordinates")
        let wallStart = ContinuousClock.now, cpuStart = processCPUSeconds()
        var dispatched = 0
        // Group-seconds without work: while waiting for an item (a PBT generation barrier, or the
        // coordinator's latency), and after the last item was handed out (docs/scaling.md §9, §11).
        var idleSince = Dictionary(uniqueKeysWithValues: leaders.map { ($0, wallStart) })
        var waitingIdle = 0.0
        var timeline = Timeline(start: wallStart)
        while true {
            if StopSignal.requested { stopping = true }
            while !stopping, !idle.isEmpty, let item = session.plan.next() {
                let leader = idle.removeFirst()
                try world.sendMessage(CoordinatorMessage.work(item), to: leader, tag: SearchTag.toLeader)
                inFlight[leader] = item.row
                timeline.dispatched(item.row, to: leader)
                dispatched += 1
                waitingIdle += (ContinuousClock.now - idleSince[leader]!) / .seconds(1)
            }
            if inFlight.isEmpty {
                if !stopping && session.heldResults > 0 {
                    throw ClusterError("SPIKESAE_SEARCH_COMPLETION_ORDER: \(session.heldResults) result(s) wait for a row that "
                                       + "can never finish; the order is not one this search's results were recorded in")
                }
                break
            }
            guard let e = try world.waitForMessage(tag: SearchTag.toCoordinator, pollingEvery: .milliseconds(2),
                                                   until: .now + .milliseconds(500)) else { continue }
            let message = try decodeMessage(try world.receiveBytes(e), as: LeaderMessage.self, from: e.source)
            if let row = inFlight[e.source] { timeline.returned(row) }
            inFlight[e.source] = nil
            idle.append(e.source)
            idleSince[e.source] = .now
            switch message {
            case .result(let result):
                trainedBy[result.row] = e.source
                try session.record(result)
            case .interrupted:
                stopping = true
            case .failed(let row, let detail):
                log("rank \(e.source): row \(row) failed: \(detail)")
                try session.record(WorkResult(row: row, status: .failed, metrics: [:], history: [], detail: detail))
            }
        }
        let end = ContinuousClock.now
        try timeline.write(plan: session.plan)
        let wall = (end - wallStart) / .seconds(1), cpu = processCPUSeconds() - cpuStart
        let tailIdle = idle.reduce(0.0) { $0 + (end - idleSince[$1]!) / .seconds(1) }
        let groupSeconds = wall * Double(leaders.count)
        log(String(format: "coordinator: %d item(s) dispatched, %.1f per s, %.2f ms CPU each; %.2f s CPU over %.1f s of dispatching (%.1f%% of a core)",
                   dispatched, Double(dispatched) / max(wall, 1e-9), 1e3 * cpu / Double(max(dispatched, 1)),
                   cpu, wall, 100 * cpu / max(wall, 1e-9)))
        log("coordinator: " + session.cost.summary)
        log(String(format: "coordinator: model groups idle %.1f%% of %.1f group-s waiting for an item, %.1f%% after the last one",
                   100 * waitingIdle / max(groupSeconds, 1e-9), groupSeconds, 100 * tailIdle / max(groupSeconds, 1e-9)))
        if stopping {
            for l in leaders { try world.sendMessage(CoordinatorMessage.stop(exit: .interrupted, layout: nil), to: l, tag: SearchTag.toLeader) }
            return try session.stop(midTrial: true)
        }
        let best = try session.bestModels()
        let d = session.setup.dataset
        let layout = ParallelResults.Layout(
            rows: session.plan.rows.count, epochs: session.historyEpochs, spec: session.plan.spec,
            attributes: session.attributes, trainedBy: trainedBy,
            best: best.map { .init(sizeIndex: $0.sizeIndex, row: $0.row, fitness: $0.fitness, trainCount: $0.trainInds.count) },
            validCount: d.validCount, T: d.T, N: d.N, F: session.setup.config.hps.facDim)
        try session.checkpointFinished()
        for l in leaders { try world.sendMessage(CoordinatorMessage.stop(exit: .ok, layout: layout), to: l, tag: SearchTag.toLeader) }
        let writeStart = ContinuousClock.now, writeCPU = processCPUSeconds()
        try ParallelResults.write(path: session.setup.dir + "/results.h5", world: world, layout: layout,
                                  worker: session.worker, plan: session.plan, best: best, trained: [:])
        log("wrote \(session.setup.dir)/results.h5 (parallel HDF5, all \(world.size) ranks) and \(session.setup.dir)/best/size*/params.h5")
        log(String(format: "coordinator: parallel results.h5 of %d rows by %d ranks in %.3f s (%.3f s CPU on rank 0)",
                   layout.rows, world.size, (ContinuousClock.now - writeStart) / .seconds(1), processCPUSeconds() - writeCPU))
        return .ok
    }

    /// A model-group rank's loop: the leader takes work from the coordinator and passes it on.
    static func serve(_ worker: SearchWorker, world: MPICommunicator, group: MPICommunicator,
                      leaderWorldRank: Int, members: [Int], dir: String, searched: [String]) throws -> TrainExit {
        let isLeader = group.rank == 0
        let source = isLeader ? 0 : leaderWorldRank
        var trained: [Int: ParallelResults.Trained] = [:]
        while true {
            guard let e = try world.waitForMessage(from: source, tag: SearchTag.toLeader, pollingEvery: .milliseconds(2)) else { continue }
            let bytes = try world.receiveBytes(e)
            if isLeader { for m in members.dropFirst() { try world.send(bytes, to: m, tag: e.tag) } }
            let item: WorkItem
            switch try decodeMessage(bytes, as: CoordinatorMessage.self, from: e.source) {
            case .stop(let code, let layout):
                if let layout {
                    try ParallelResults.write(path: dir + "/results.h5", world: world, layout: layout,
                                              worker: worker, plan: nil, best: [], trained: trained)
                }
                return code
            case .work(let w):
                item = w
            }
            do {
                let result = try worker.run(item, comm: group, isLeader: isLeader, shouldStop: {
                    // Every rank of the group asks once per epoch, so they stop at the same epoch.
                    try anyRank(group, StopSignal.requested)
                })
                if isLeader {
                    try world.sendMessage(LeaderMessage.result(result), to: 0, tag: SearchTag.toCoordinator)
                    trained[item.row] = ParallelResults.Trained(hps: SearchPlan.searchedValues(item.hp, searched: searched),
                                                                result: result)
                }
            } catch is SearchInterrupted {
                if isLeader { try world.sendMessage(LeaderMessage.interrupted, to: 0, tag: SearchTag.toCoordinator) }
            } catch {
                // A group of one can report and go on; a larger group may be mid-collective.
                if group.size > 1 { MPIRuntime.abort(code: 1, message: "\(error)") }
                try world.sendMessage(LeaderMessage.failed(row: item.row, message: "\(error)"), to: 0, tag: SearchTag.toCoordinator)
            }
        }
    }
}

/// SPIKESAE_SEARCH_TIMELINE=FILE (measurements, docs/scaling.md §11): when each row was handed to
/// which group and when its result came back, seconds from the start of dispatching, as CSV.
struct Timeline {
    static let variable = "SPIKESAE_SEARCH_TIMELINE"
    let start: ContinuousClock.Instant
    let path = ProcessInfo.processInfo.environment[Timeline.variable]
    var spans: [Int: (group: Int, from: Double, to: Double)] = [:]

    init(start: ContinuousClock.Instant) { self.start = start }

    mutating func dispatched(_ row: Int, to group: Int) {
        guard path != nil else { return }
        let t = (ContinuousClock.now - start) / .seconds(1)
        spans[row] = (group, t, .nan)
    }

    mutating func returned(_ row: Int) {
        guard path != nil else { return }
        let t = (ContinuousClock.now - start) / .seconds(1)
        spans[row]?.to = t
    }

    func write(plan: SearchPlan) throws {
        guard let path else { return }
        var text = "row,size_index,member,generation,group,dispatched,returned\n"
        for (row, s) in spans.sorted(by: { $0.key < $1.key }) {
            let r = plan.rows[row]
            text += "\(row),\(r.sizeIndex),\(r.trial),\(r.generation),\(s.group),"
                + String(format: "%.4f,%.4f\n", s.from, s.to)
        }
        try AtomicFile.write(Data(text.utf8), to: path)
    }
}
