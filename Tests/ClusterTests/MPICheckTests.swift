import Testing

/// `spikesae mpi-check`: split with a reserved coordinator, broadcast, barrier and messages.
@Suite(.enabled(if: MPIJob.available, "needs mpirun and the built spikesae"))
struct MPICheckTests {
    @Test func coordinatorHearsFromTwoGroupsOfTwo() throws {
        let dir = MPIJob.tempDir("mpicheck")
        let r = try MPIJob.run(ranks: 5, ["mpi-check", "--ranks-per-model", "2", "--floats", "65536", "--repeats", "5"],
                               in: dir, deadline: 60)
        #expect(r.status == 0 && !r.timedOut, "\(r.output)")
        #expect(r.count("mpi-check: 5 ranks, coordinator + 2 model group(s) of 2") == 1, "\(r.output)")
    }
}
