import CMPI

/// Which world ranks train which model: `ranks` (in order) cut into groups of `ranksPerModel`
/// consecutive ranks. Ranks not listed (e.g. a search coordinator on world rank 0) are in no group.
public struct GroupLayout: Equatable, Sendable {
    public let ranks: [Int]
    public let ranksPerModel: Int

    public init(ranks: [Int], ranksPerModel: Int) throws {
        guard ranksPerModel >= 1 else { throw ClusterError("ranks per model must be ≥ 1, got \(ranksPerModel)") }
        guard !ranks.isEmpty, ranks.count % ranksPerModel == 0 else {
            throw ClusterError("\(ranks.count) rank\(ranks.count == 1 ? "" : "s") cannot form model groups of \(ranksPerModel): "
                               + "start mpirun with a multiple of \(ranksPerModel) ranks, or change the ranks per model")
        }
        guard Set(ranks).count == ranks.count, ranks.allSatisfy({ $0 >= 0 }) else {
            throw ClusterError("ranks to split must be distinct and non-negative, got \(ranks)")
        }
        self.ranks = ranks
        self.ranksPerModel = ranksPerModel
    }

    public var groupCount: Int { ranks.count / ranksPerModel }

    /// The group a world rank belongs to, or nil when it is not one of `ranks`.
    public func group(of worldRank: Int) -> Int? {
        ranks.firstIndex(of: worldRank).map { $0 / ranksPerModel }
    }

    /// World ranks of group `g`, leader first.
    public func members(of g: Int) -> [Int] {
        Array(ranks[(g * ranksPerModel)..<((g + 1) * ranksPerModel)])
    }
}

extension MPICommunicator {
    /// Collective over this communicator (normally the world): this rank's model group, or nil for a
    /// rank outside the layout. Group ranks follow the layout's order, so rank 0 is the leader.
    public func split(_ layout: GroupLayout) throws -> MPICommunicator? {
        guard let last = layout.ranks.max(), last < size else {
            throw ClusterError("the layout names rank \(layout.ranks.max() ?? -1) but the communicator has \(size) ranks")
        }
        let g = layout.group(of: rank)
        let key = layout.ranks.firstIndex(of: rank) ?? rank
        var out: MPI_Comm? = cmpi_comm_null()
        try check(MPI_Comm_split(comm, Int32(g ?? Int(MPI_UNDEFINED)), Int32(key), &out),
                  "MPI_Comm_split(into groups of \(layout.ranksPerModel))")
        guard g != nil, let c = out, c != cmpi_comm_null() else { return nil }
        return try MPICommunicator(c, owned: true)
    }
}
