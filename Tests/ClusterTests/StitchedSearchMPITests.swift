import Foundation
import Store
import Testing

/// A stitched search (docs/search.md §8) under mpirun: a coordinator and two model groups write the
/// results file, per-session columns and subsets included, that one process writes.
@Suite(.serialized, .enabled(if: MPIJob.available, "needs mpirun and the built spikesae"))
struct StitchedSearchMPITests {
    static func config(_ dir: String) -> String {
        StitchedDataParallelTests.config(dir).replacingOccurrences(of: "max_epochs: 8", with: "max_epochs: 3") + """
        search:
          sizes: [1.0, 0.5]
          trials_per_size: 2
          seed: 2
          space:
            lr: {dist: log_uniform, min: 0.005, max: 0.03}
        """
    }

    @Test func coordinatorAndTwoGroupsWriteTheTableOneProcessWrites() throws {
        let dir = MPIJob.tempDir("stitched-search")
        try StitchedDataParallelTests.sessions(dir)
        try Self.config(dir).write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let args = ["search", "--config", dir + "/c.yaml", "--out"]
        let one = try MPIJob.run(ranks: 1, args + ["one"], in: dir, deadline: 120)
        let three = try MPIJob.run(ranks: 3, args + ["three"], in: dir, deadline: 120)
        #expect(one.status == 0 && !one.timedOut, "1 rank: \(one.output.suffix(800))")
        #expect(three.status == 0 && !three.timedOut, "3 ranks: \(three.output.suffix(800))")
        #expect(three.output.contains("parallel HDF5, all 3 ranks"))
        let a = try H5File.open(dir + "/one/results.h5"), b = try H5File.open(dir + "/three/results.h5")
        let names = try #require(try b.stringAttribute("metric_names_json"))
        #expect(names == (try a.stringAttribute("metric_names_json")) && names.contains("valid_bits_per_spike_sess2"))
        #expect(try b.readInt64("trials/status").values == [2, 2, 2, 2])
        // One rank per model: every row is computed identically, whichever group trains it.
        let ma = try a.readDouble("trials/metrics"), mb = try b.readDouble("trials/metrics")
        let seconds = try #require(try JSONSerialization.jsonObject(with: Data(names.utf8)) as? [String]).firstIndex(of: "seconds")!
        #expect(ma.shape == mb.shape)
        for (i, (x, y)) in zip(ma.values, mb.values).enumerated() where i % ma.shape[1] != seconds {
            #expect(x == y || (x.isNaN && y.isNaN), "metric \(i % ma.shape[1]) of row \(i / ma.shape[1]): \(x) vs \(y)")
        }
        for si in 0..<2 {
            for s in 0..<3 {
                let p = "subsets/size\(si)/sess\(s)/train_inds"
                #expect(try a.readInt64(p).values == b.readInt64(p).values)
            }
            #expect(try b.readInt64("best/size\(si)/session_train_counts").values == a.readInt64("best/size\(si)/session_train_counts").values)
            #expect(FileManager.default.fileExists(atPath: "\(dir)/three/best/size\(si)/rates_lorenz_s2.h5"))
        }
    }
}
