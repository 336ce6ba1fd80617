import Foundation
import Testing
@testable import App
@testable import SearchRunner
import Store
import TestSupport

/// Small real searches, run once in-process per test process (a static let initialises once even
/// when tests run in parallel): a finished random search, a finished PBT search, and a random
/// search stopped after 2 of its 4 trials.
enum SearchFixture {
    static let base: String = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("spikesae-report-\(getpid())").path
        try? FileManager.default.removeItem(atPath: d)
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    /// Writes `yaml` beside base/name and runs it as an in-process search into base/name.
    static func runSearch(_ yaml: String, name: String) throws -> (dir: String, exit: TrainExit) {
        let dir = base + "/" + name
        try yaml.write(toFile: dir + ".yaml", atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir)
        o.configPath = dir + ".yaml"
        return (dir, try SearchRun.run(o, log: { _ in }))
    }

    /// Column `name` of a results file's trials/metrics.
    static func metricColumn(_ f: H5File, _ name: String) throws -> [Double] {
        let namesJSON = try #require(try f.stringAttribute("metric_names_json"))
        let names = try #require(try JSONSerialization.jsonObject(with: Data(namesJSON.utf8)) as? [String])
        let c = try #require(names.firstIndex(of: name), "no metric \(name)")
        let m = try f.readDouble("trials/metrics")
        return (0..<m.shape[0]).map { m.values[$0 * m.shape[1] + c] }
    }

    /// Like Tests/AppTests' tiny Lorenz config, with a search section.
    static let common = TinyConfig.yaml(maxEpochs: 6, posteriorSamples: 3, rampEpochs: 3)

    static let randomConfig = common + TinyConfig.randomSearch(seed: 3)

    static let pbtConfig = common + """
        search:
          method: pbt
          sizes: [1.0, 0.5]
          population: 3
          epochs_per_generation: 2
          max_generations: 2
          select_by: samp_valid_nll
          seed: 4
          space:
            lr: {dist: log_uniform, min: 0.005, max: 0.03, init: 0.02}
            kl_co_scale: {dist: log_uniform, min: 1.0e-6, max: 1.0e-3}
        """

    /// The same PBT, asynchronous (docs/search.md §4): lineages follow `start_row`.
    static let asyncPBTConfig = pbtConfig.replacingOccurrences(of: "  method: pbt\n", with: "  method: pbt\n  pbt_schedule: async\n")
        .replacingOccurrences(of: "max_generations: 2", with: "max_generations: 3")

    static func search(_ name: String, _ config: String, stopAfter: Int? = nil, completionOrder: [Int]? = nil) -> Result<String, Error> {
        Result {
            let dir = base + "/" + name
            let cfg = base + "/\(name).yaml"
            try config.write(toFile: cfg, atomically: true, encoding: .utf8)
            var o = RunOptions(outDir: dir)
            o.configPath = cfg
            o.stopAfter = stopAfter
            let code = try SearchRun.run(o, compaction: nil, completionOrder: completionOrder, log: { _ in })
            guard code == (stopAfter == nil ? .ok : .interrupted) else { throw RunError("search \(name) ended with \(code)") }
            return dir
        }
    }

    static let random = search("random", randomConfig)
    static let pbt = search("pbt", pbtConfig)
    /// Member 0 of size 0 runs all three intervals (rows 0, 6, 7) before the others report once.
    static let asyncPBT = search("pbt-async", asyncPBTConfig, completionOrder: [0, 6, 7, 1, 2, 3, 4, 5])
    static let partial = search("partial", randomConfig, stopAfter: 2)

    static func tempDir(_ name: String) -> String {
        let d = base + "/out-" + name
        try? FileManager.default.removeItem(atPath: d)
        return d
    }
}
