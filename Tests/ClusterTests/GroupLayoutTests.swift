import Cluster
import Testing

/// The rank arithmetic of model groups; no MPI involved.
struct GroupLayoutTests {
    @Test func consecutiveRanksFormEachGroupLeaderFirst() throws {
        let l = try GroupLayout(ranks: Array(0..<6), ranksPerModel: 3)
        #expect(l.groupCount == 2)
        #expect(l.members(of: 0) == [0, 1, 2] && l.members(of: 1) == [3, 4, 5])
        #expect((0..<6).map { l.group(of: $0) } == [0, 0, 0, 1, 1, 1])
    }

    @Test func aReservedCoordinatorIsInNoGroup() throws {
        let l = try GroupLayout(ranks: Array(1..<5), ranksPerModel: 2)
        #expect(l.group(of: 0) == nil)
        #expect(l.members(of: 0) == [1, 2] && l.members(of: 1) == [3, 4])
        #expect(l.group(of: 4) == 1)
    }

    @Test func ranksThatDoNotFillTheGroupsAreRejectedWithAHint() {
        #expect { try GroupLayout(ranks: Array(0..<3), ranksPerModel: 2) } throws: {
            "\($0)".contains("3 ranks cannot form model groups of 2")
        }
        #expect(throws: ClusterError.self) { try GroupLayout(ranks: [0, 1], ranksPerModel: 0) }
        #expect(throws: ClusterError.self) { try GroupLayout(ranks: [1, 1], ranksPerModel: 1) }
        #expect(throws: ClusterError.self) { try GroupLayout(ranks: [], ranksPerModel: 1) }
    }
}
