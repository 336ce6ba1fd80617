import Foundation
import Testing
import ModelIO
import Store
import TestSupport
@testable import App
@testable import SearchRunner
@testable import NLB

/// A search on a prepared NLB file records NLB's scores per row and can, when asked, select by
/// vel R²; without behaviour that rule is refused with a message.
struct NLBSearchTests {
    let dir: ScratchDirectory
    init() throws { dir = try ScratchDirectory() }

    func search(data: String, selectBy: String) throws -> TrainExit {
        let config = dir.file("search.yaml")
        try (TinyConfig.yaml(maxEpochs: 2, posteriorSamples: 2, rampEpochs: 1)
                .replacingOccurrences(of: "  synth: {system: lorenz, seed: 2, neurons: 12, conditions: 8, trials_per_condition: 10, bins: 25}",
                                      with: "  file: \(data)")
             + TinyConfig.randomSearch(seed: 0, sizes: "[1.0, 0.5]", trialsPerSize: 2, selectBy: selectBy))
            .write(toFile: config, atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir.file("run"))
        o.configPath = config
        return try SearchRun.run(o, log: { _ in })
    }

    @Test func rowsRecordTheScoresAndVelR2SelectsWhenAsked() throws {
        let data = dir.file("maze.h5")
        _ = try PrepareNWB.run(nwb: try NLBFixture.nwb, preset: .mcMaze, out: data, command: "test")
        #expect(try search(data: data, selectBy: "valid_vel_r2") == .ok)
        let f = try H5File.open(dir.file("run/results.h5"))
        let names = try JSONDecoder().decode([String].self, from: Data(try #require(try f.stringAttribute("metric_names_json")).utf8))
        let (shape, metrics) = try f.readDouble("trials/metrics")
        let col = { (name: String) in try #require(names.firstIndex(of: name)) }
        let vel = try col("valid_vel_r2"), psth = try col("valid_psth_r2"), cobps = try col("valid_cobps")
        let rows = (0..<shape[0]).map { Array(metrics[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
        #expect(rows.count == 4)
        #expect(rows.allSatisfy { $0[vel].isFinite && $0[psth].isFinite && $0[cobps].isFinite })
        // Each size's selected model is its row with the highest vel R².
        let sizes = try f.readInt64("trials/size_index").values
        for si in 0..<2 {
            let mine = rows.indices.filter { sizes[$0] == Int64(si) }
            let best = try #require(mine.max { rows[$0][vel] < rows[$1][vel] })
            #expect(try f.int64Attribute("row", on: "best/size\(si)") == Int64(best))
        }
    }

    @Test func velR2SelectionNeedsBehaviour() throws {
        let data = dir.file("lorenz.h5")
        var s = SynthSpec(system: .lorenz, seed: 2)
        s.neurons = 12; s.conditions = 8; s.trialsPerCondition = 10; s.bins = 25
        try Synth.generate(s).write(to: data)
        let error = #expect(throws: RunError.self) { try search(data: data, selectBy: "valid_vel_r2") }
        #expect(error?.description == "select_by valid_vel_r2 needs behaviour: train_behavior/valid_behavior in \(data) (spikesae prepare nwb writes them)")
    }
}
