import Foundation
import Testing
@testable import App
@testable import SearchRunner
import Store
import TestSupport

/// Runs `spikesae search` in-process on a tiny synthetic Lorenz set (a few seconds per search in a
/// debug build): 2 sizes × 2 trials of the tiny model of TrainingEndToEndTests.
@Suite(.serialized)
struct SearchEndToEndTests {
    static let model = TinyConfig.yaml(maxEpochs: 8, posteriorSamples: 3)

    static let searchConfig = model + TinyConfig.randomSearch(seed: 1)

    /// One of the two learning rates is absurd: that trial diverges.
    static let divergingConfig = model + """
        search:
          method: random
          sizes: [1.0, 0.5]
          trials_per_size: 2
          seed: 3
          space:
            lr: {dist: choice, values: [1.0e6, 0.01]}
        """

    static func tempDir(_ name: String) -> String { TinyConfig.tempDir("search", name) }

    final class Log { var lines: [String] = [] }

    /// Runs a search with DIR.yaml as its config and DIR/run as its output.
    static func search(_ dir: String, config: String = searchConfig, overrides: [String] = [], resume: Bool = false,
                       force: Bool = false, stopAfter: Int? = nil, log: Log = Log()) throws -> TrainExit {
        let cfg = dir + ".yaml"
        try config.write(toFile: cfg, atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir + "/run")
        o.configPath = resume ? nil : cfg
        o.overrides = overrides; o.resume = resume; o.force = force; o.stopAfter = stopAfter
        return try SearchRun.run(o, log: { log.lines.append($0) })
    }

    /// The uninterrupted search, run once and shared by the tests that read it.
    nonisolated(unsafe) static var fullRun: String?
    static func full() throws -> String {
        if let d = fullRun { return d }
        let d = tempDir("full")
        #expect(try search(d) == .ok)
        fullRun = d
        return d
    }

    /// The results table of DIR/run/results.h5.
    struct Results {
        let file: H5File
        let metricNames: [String], statusNames: [String], hpNames: [String]
        let metrics: (shape: [Int], values: [Double])
        let hps: (shape: [Int], values: [Double])
        let status: [String], sizeIndex: [Int]

        init(_ dir: String) throws {
            let f = try H5File.open(dir + "/run/results.h5")
            let names = try Self.list(f, "status_names_json")
            file = f
            metricNames = try Self.list(f, "metric_names_json"); statusNames = names; hpNames = try Self.list(f, "hp_names_json")
            metrics = try f.readDouble("trials/metrics")
            hps = try f.readDouble("trials/hps")
            let codes = try f.readInt64("trials/status").values
            status = codes.map { $0 >= 0 && Int($0) < names.count ? names[Int($0)] : "code \($0)" }
            sizeIndex = try f.readInt64("trials/size_index").values.map { Int($0) }
        }

        static func list(_ file: H5File, _ attr: String) throws -> [String] {
            let s = try #require(try file.stringAttribute(attr), "\(attr) missing")
            return try #require(try JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String])
        }

        func metric(_ name: String) throws -> [Double] {
            let c = try #require(metricNames.firstIndex(of: name), "no metric \(name)")
            let M = metrics.shape[1]
            return (0..<metrics.shape[0]).map { metrics.values[$0 * M + c] }
        }

        func hp(_ name: String) throws -> [Double] {
            let c = try #require(hpNames.firstIndex(of: name), "no hp \(name)")
            let H = hps.shape[1]
            return (0..<hps.shape[0]).map { hps.values[$0 * H + c] }
        }
    }

    @Test func aRandomSearchWritesACompleteResultsFile() throws {
        let dir = try Self.full()
        let fm = FileManager.default
        let r = try Results(dir)
        #expect(try r.file.stringAttribute("format") == "spikesae-search-results")
        #expect(try r.file.int64Attribute("complete") == 1)
        #expect(try r.file.stringAttribute("method") == "random")
        #expect(r.metricNames.contains("valid_nll") && r.hpNames == ["dropout_rate", "lr"])
        #expect(r.metrics.shape == [4, r.metricNames.count])
        #expect(r.hps.shape == [4, 2])
        #expect(r.status == Array(repeating: "completed", count: 4))
        #expect(r.sizeIndex == [0, 1, 0, 1])
        #expect(try r.file.readInt64("trials/size").values == [64, 32, 64, 32])
        let nll = try r.metric("valid_nll")
        #expect(nll.allSatisfy { $0.isFinite }, "\(nll)")
        #expect(try r.metric("epochs") == [8, 8, 8, 8])
        #expect(try r.hp("lr").allSatisfy { $0 >= 0.005 && $0 <= 0.03 })
        #expect(Set(try r.hp("lr")).count == 4)
        for si in 0..<2 {
            let g = "best/size\(si)"
            #expect(fm.fileExists(atPath: "\(dir)/run/\(g)/params.h5"), "\(g)/params.h5 missing")
            let rates = try r.file.readFloat("\(g)/valid_rates")
            #expect(rates.shape == [16, 25, 12])
            #expect(rates.values.allSatisfy { $0.isFinite && $0 > 0 }, "\(g)/valid_rates not finite and positive")
            // The selected row is the lowest valid NLL of its size.
            let rows = (0..<4).filter { r.sizeIndex[$0] == si }
            let best = rows.min { nll[$0] < nll[$1] }!
            #expect(try r.file.int64Attribute("row", on: g) == Int64(best))
            #expect(try r.file.doubleAttribute("fitness", on: g) == nll[best])
        }
        // Subsets: 64 and 32 train trials, proportional valid trials, the smaller inside the larger.
        let t0 = Set(try r.file.readInt64("subsets/size0/train_inds").values)
        let t1 = Set(try r.file.readInt64("subsets/size1/train_inds").values)
        let v0 = Set(try r.file.readInt64("subsets/size0/valid_inds").values)
        let v1 = Set(try r.file.readInt64("subsets/size1/valid_inds").values)
        #expect(t0.count == 64 && t1.count == 32 && v0.count == 16 && v1.count == 8)
        #expect(t1.isSubset(of: t0) && v1.isSubset(of: v0))
        #expect(t0.isDisjoint(with: v0))
        for f in ["config.yaml", "data.h5", "search_state.json"] {
            #expect(fm.fileExists(atPath: "\(dir)/run/\(f)"), "\(f) missing")
        }
    }

    @Test func anInterruptedAndResumedSearchEndsWithTheSameResults() throws {
        let full = try Self.full(), parts = Self.tempDir("parts")
        #expect(try Self.search(parts, stopAfter: 2) == .interrupted)
        let mid = try Results(parts)
        #expect(try mid.file.int64Attribute("complete") == 0)
        #expect(mid.status == ["completed", "completed", "pending", "pending"])
        let log = Log()
        #expect(try Self.search(parts, resume: true, log: log) == .ok)
        // Finished trials are not trained again.
        #expect(log.lines.filter { $0.hasPrefix("[") }.count == 2, "\(log.lines)")
        let a = try Results(full), b = try Results(parts)
        #expect(a.hps.values.map(\.bitPattern) == b.hps.values.map(\.bitPattern))
        #expect(a.status == b.status)
        #expect(try a.metric("valid_nll").map(\.bitPattern) == b.metric("valid_nll").map(\.bitPattern))
        #expect(try a.file.readInt64("trials/seed").values == b.file.readInt64("trials/seed").values)
        for si in 0..<2 {
            #expect(try a.file.int64Attribute("row", on: "best/size\(si)") == b.file.int64Attribute("row", on: "best/size\(si)"))
            #expect(try a.file.readFloat("best/size\(si)/valid_rates").values.map(\.bitPattern)
                    == b.file.readFloat("best/size\(si)/valid_rates").values.map(\.bitPattern))
        }
    }

    @Test func aDivergedTrialIsRecordedAndTheSearchSelectsACompletedOne() throws {
        let dir = Self.tempDir("diverge")
        #expect(try Self.search(dir, config: Self.divergingConfig, overrides: ["max_grad_norm=1e30", "max_epochs=4"]) == .ok)
        let r = try Results(dir)
        #expect(try r.file.int64Attribute("complete") == 1)
        let lr = try r.hp("lr")
        #expect(Set(lr) == [1e6, 0.01], "seed 3 should draw both learning rates: \(lr)")
        for k in 0..<4 {
            #expect(r.status[k] == (lr[k] == 1e6 ? "diverged" : "completed"), "row \(k) lr \(lr[k]): \(r.status[k])")
        }
        for si in 0..<2 where (0..<4).contains(where: { r.sizeIndex[$0] == si && r.status[$0] == "completed" }) {
            let row = try #require(try r.file.int64Attribute("row", on: "best/size\(si)"))
            #expect(r.status[Int(row)] == "completed" && r.sizeIndex[Int(row)] == si)
            #expect(try r.file.readFloat("best/size\(si)/valid_rates").values.allSatisfy { $0.isFinite })
        }
        #expect(r.status.contains("completed") && r.status.contains("diverged"))
    }

    @Test func aSearchCanBeResumedWhenItsCheckpointHoldsNonFiniteValues() throws {
        // Without sample validation (sv_rate 0, the default) every epoch records NaN sample-validation
        // losses, so the checkpoint holds non-finite numbers from the first finished trial on.
        let config = Self.model + """
            search:
              sizes: [1.0, 0.5]
              trials_per_size: 1
              space:
                dropout_rate: {dist: uniform, min: 0.0, max: 0.1}
            """
        let dir = Self.tempDir("resume-nan")
        #expect(try Self.search(dir, config: config, overrides: ["sv_rate=0", "max_epochs=2"], stopAfter: 1) == .interrupted)
        #expect(try Results(dir).status == ["completed", "pending"])
        let state = try String(contentsOfFile: dir + "/run/search_state.json", encoding: .utf8)
        #expect(state.contains("\"nan\""), "the checkpoint should hold a NaN for this test to mean anything")
        // The checkpoint writes NaN/inf as strings; resume must read them back.
        let code = try Self.search(dir, resume: true)
        let status = try Results(dir).status
        #expect(code == .ok)
        #expect(status == ["completed", "completed"])
    }

    @Test func anExistingOutputDirectoryIsRefusedAndLeftUntouched() throws {
        let dir = Self.tempDir("exists"), fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/run", withIntermediateDirectories: true)
        try "keep".write(toFile: dir + "/run/results.h5", atomically: true, encoding: .utf8)
        #expect { _ = try Self.search(dir) } throws: {
            "\($0)".contains("already exists") && "\($0)".contains("--force") && "\($0)".contains("--resume")
        }
        #expect(try String(contentsOfFile: dir + "/run/results.h5", encoding: .utf8) == "keep")
        #expect(try fm.contentsOfDirectory(atPath: dir + "/run") == ["results.h5"])
    }

    @Test func configsThatCannotSearchAreRefusedBeforeAnyWork() throws {
        let fm = FileManager.default
        let plain = Self.tempDir("nosearch")
        #expect { _ = try Self.search(plain, config: Self.model) } throws: {
            "\($0)".contains("no 'search' section") && "\($0)".contains("spikesae train")
        }
        #expect(!fm.fileExists(atPath: plain + "/run"))
        let bad = Self.tempDir("badsizes")
        #expect { _ = try Self.search(bad, overrides: ["search.sizes=[1.0,0.0]"]) } throws: {
            "\($0)".contains("search.sizes") && "\($0)".contains("0.0")
        }
        #expect(!fm.fileExists(atPath: bad + "/run"))
        let unknown = Self.tempDir("badkey")
        #expect { _ = try Self.search(unknown, config: Self.searchConfig + "\n  colour: red\n") } throws: {
            "\($0)".contains("search.colour")
        }
        #expect(!fm.fileExists(atPath: unknown + "/run"))
        let none = Self.tempDir("noresume")
        #expect { _ = try Self.search(none, resume: true) } throws: { "\($0)".contains("cannot resume") }
    }
}
