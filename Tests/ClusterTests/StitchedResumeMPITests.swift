import Foundation
import TestSupport
import Testing

/// A stitched run (docs/model.md §18) stopped and resumed under mpirun with 2 ranks ends exactly like
/// an uninterrupted 2-rank run, as DataParallelTrainingTests checks for one data file.
@Suite(.serialized, .enabled(if: MPIJob.available, "needs mpirun and the built spikesae"))
struct StitchedResumeMPITests {
    @Test func twoRanksStoppedAndResumedEndLikeAnUninterruptedRun() throws {
        let dir = MPIJob.tempDir("stitched-resume")
        try StitchedDataParallelTests.sessions(dir)
        try StitchedDataParallelTests.config(dir).write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let args = ["train", "--config", dir + "/c.yaml", "--set", "max_epochs=5", "--ranks-per-model", "2", "--out"]
        let whole = try MPIJob.run(ranks: 2, args + ["whole"], in: dir)
        #expect(whole.status == 0 && !whole.timedOut, "\(whole.output)")
        let stopped = try MPIJob.run(ranks: 2, args + ["parts", "--stop-after", "2"], in: dir)
        #expect(stopped.status == 3 && !stopped.timedOut, "\(stopped.output)")
        let resumed = try MPIJob.run(ranks: 2, ["train", "--resume", "parts", "--ranks-per-model", "2"], in: dir)
        #expect(resumed.status == 0 && resumed.output.contains("resuming parts at epoch 2"), "\(resumed.output)")
        #expect(try TinyRun.params(dir + "/parts").map(\.bitPattern) == TinyRun.params(dir + "/whole").map(\.bitPattern))
        let h1 = try TinyRun.history(dir + "/whole"), h2 = try TinyRun.history(dir + "/parts")
        #expect(Set(h1.keys) == Set(h2.keys) && h1.keys.contains("valid_recon_sess2"))
        for (col, a) in h1 where col != "trials_per_second" && col != "seconds" {
            #expect(a.map(\.bitPattern) == h2[col]?.map(\.bitPattern), "\(col)")
        }
    }
}
