import Foundation
import Testing
@testable import App
import Config
import ModelIO
@testable import Report
import Search
@testable import SearchRunner
import Store
import TestSupport

/// `search` and `report` on a model stitched over three session files (docs/search.md §8): the
/// sizes split over the sessions in proportion and nested, every row has per-session metrics whose
/// unweighted mean is the overall number, `eval` of a selected model reproduces them, and the
/// report's tables carry them.
@Suite(.serialized)
struct StitchedSearchReportTests {
    /// Three sessions of one Lorenz system with 8/12/16 neurons and 24/30/36 trials (2 held-out
    /// neurons in session 1); `badT` adds a fourth with another T.
    static func sessions(_ dir: String, badT: Bool = false) throws {
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for i in 0..<(badT ? 4 : 3) {
            var spec = SynthSpec(system: .lorenz, seed: 2)
            spec.neurons = 8 + 4 * (i % 3); spec.conditions = 6; spec.trialsPerCondition = 4 + i % 3
            spec.bins = i == 3 ? 12 : 15
            spec.session = i
            try Synth.generate(spec).write(to: "\(dir)/s\(i).h5", heldout: (i == 1 ? 2 : 0, 0))
        }
    }

    static func config(_ pattern: String, search: String) -> String {
        """
        data:
          sessions: "\(pattern)"
        hps:
          readin_dim: 6
          readin_init: pcr
          ic_enc_dim: 8
          ci_enc_dim: 6
          con_dim: 6
          co_dim: 1
          ic_dim: 6
          gen_dim: 16
          fac_dim: 6
          cd_rate: 0.3
          sv_rate: 0.2
          kl_increase_epoch: 2
          l2_increase_epoch: 2
          lr: 0.02
          batch_size: 12
          max_epochs: 3
          posterior_samples: 2
        search:
        \(search)
        """
    }

    static let random = """
          method: random
          sizes: [1.0, 0.5, 40]
          trials_per_size: 2
          subsample_valid: true
          select_by: valid_nll
          seed: 5
          space:
            lr: {dist: log_uniform, min: 0.005, max: 0.03}
        """

    static func metrics(_ path: String) throws -> [String: Any] {
        let json = try #require(try H5File.open(path).stringAttribute("metrics_json"))
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test func searchSplitsSizesOverSessionsAndReportsPerSessionNumbers() throws {
        let data = SearchFixture.base + "/stitched-data"
        try Self.sessions(data)
        let (dir, exit) = try SearchFixture.runSearch(Self.config("\(data)/s*.h5", search: Self.random), name: "stitched")
        #expect(exit == .ok)
        let set = try SessionSet.load(["\(data)/s*.h5"], batchSize: 12)
        let K = set.sessions.map(\.trainCount), V = set.sessions.map(\.validCount), total = K.reduce(0, +)
        #expect(K == [19, 24, 29] && V == [5, 6, 7])

        let f = try H5File.open(dir + "/results.h5")
        #expect(try f.int64Attribute("session_count") == 3)
        // Sizes: 1.0 and 0.5 take round(f·K_s) of every session; 40 trials split in proportion to K_s.
        var taken: [[Set<Int>]] = []
        for (si, size) in [1.0, 0.5, 40].enumerated() {
            var row: [Set<Int>] = []
            for (s, d) in set.sessions.enumerated() {
                let tr = try f.readInt64("subsets/size\(si)/sess\(s)/train_inds").values.map(Int.init)
                let va = try f.readInt64("subsets/size\(si)/sess\(s)/valid_inds").values.map(Int.init)
                if size <= 1 { #expect(tr.count == Int((size * Double(K[s])).rounded(.toNearestOrEven))) }
                else { #expect(abs(Double(tr.count) - size * Double(K[s]) / Double(total)) <= 1, "session \(s): \(tr.count)") }
                #expect(va.count == Int((Double(tr.count) / Double(K[s]) * Double(V[s])).rounded()))
                #expect(Set(tr).isSubset(of: Set(d.trainInds)) && Set(va).isSubset(of: Set(d.validInds)) && Set(tr).count == tr.count)
                row.append(Set(tr))
            }
            taken.append(row)
        }
        #expect(taken[2].map(\.count).reduce(0, +) == 40)
        #expect(try f.readInt64("trials/size").values.map(Int.init) == [72, 36, 40, 72, 36, 40])
        for s in 0..<3 {
            #expect(taken[1][s].isSubset(of: taken[0][s]) && taken[2][s].isSubset(of: taken[0][s]))
            #expect(taken[1][s].isSubset(of: taken[2][s]), "0.5 (\(taken[1][s].count)) inside 40 (\(taken[2][s].count))")
        }

        // Every completed row: per-session metrics, their unweighted mean under the plain name.
        let status = try f.readInt64("trials/status").values
        for name in ["valid_rate_nll", "valid_bits_per_spike", "valid_r2_per_neuron", "valid_r2_pooled"] {
            let overall = try SearchFixture.metricColumn(f, name)
            let per = try (0..<3).map { try SearchFixture.metricColumn(f, "\(name)_sess\($0)") }
            for r in overall.indices where status[r] == 2 {
                let mean = (per[0][r] + per[1][r] + per[2][r]) / 3
                #expect(per.allSatisfy { $0[r].isFinite } && abs(overall[r] - mean) <= 1e-12 * abs(mean), "\(name) row \(r)")
            }
        }
        // co-bps only where a session has held-out neurons: no overall mean over sessions without it.
        #expect(try SearchFixture.metricColumn(f, "valid_cobps_sess1").allSatisfy(\.isFinite))
        #expect(try SearchFixture.metricColumn(f, "valid_cobps_sess0").allSatisfy(\.isNaN))
        #expect(try SearchFixture.metricColumn(f, "valid_cobps").allSatisfy(\.isNaN))

        // eval of each size's selected model gives its row's per-session numbers.
        for si in 0..<3 {
            let row = Int(try #require(try f.int64Attribute("row", on: "best/size\(si)")))
            #expect(try f.readInt64("best/size\(si)/session_train_counts").values.map(Int.init) == taken[si].map(\.count))
            let out = SearchFixture.base + "/stitched-eval\(si).h5"
            try EvalRun.run(params: "\(dir)/best/size\(si)/params.h5", data: "\(data)/s*.h5", out: out,
                            posteriorMean: false, samples: nil, force: true, log: { _ in })
            for s in 0..<3 {
                let em = try Self.metrics(SearchFixture.base + "/stitched-eval\(si)_s\(s).h5")
                for (evalName, name) in [("valid_nll_sess\(s)", "valid_rate_nll_sess\(s)"),
                                         ("valid_bits_per_spike_sess\(s)", "valid_bits_per_spike_sess\(s)"),
                                         ("valid_r2_per_neuron_sess\(s)", "valid_r2_per_neuron_sess\(s)")] {
                    let e = try #require(em[evalName] as? Double), v = try SearchFixture.metricColumn(f, name)[row]
                    #expect(abs(e - v) <= 1e-10 * max(abs(v), 1e-3), "size \(si) \(name): eval \(e) vs row \(v)")
                }
            }
            #expect(FileManager.default.fileExists(atPath: "\(dir)/best/size\(si)/rates_s2.h5"))
        }

        // report: overall columns as before, and one column per session and metric.
        let rep = SearchFixture.base + "/stitched-report"
        let summary = try ReportBuilder.run(inputs: [dir], outDir: rep, log: { _ in })
        #expect(summary.bestRows > 0)
        let csv = try String(contentsOfFile: rep + "/best_by_size.csv", encoding: .utf8)
        let lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let header = lines[0].components(separatedBy: ",")
        let runs = try ResultsReader.read(dir)
        for name in ["valid_nll", "valid_bits_per_spike", "valid_bits_per_spike_sess0", "valid_bits_per_spike_sess2", "valid_cobps_sess1"] {
            #expect(header.contains(name), "best_by_size.csv lacks \(name)")
        }
        let own = lines.dropFirst().map { $0.components(separatedBy: ",") }
            .filter { $0[header.firstIndex(of: "search_selection")!] == "1" }
        #expect(own.count == 3)
        for rec in own {
            let row = Int(rec[header.firstIndex(of: "row")!])!
            let t = try #require(runs.rows.first { $0.row == row })
            #expect(Double(rec[header.firstIndex(of: "valid_bits_per_spike_sess1")!]) == runs.metric(t, "valid_bits_per_spike_sess1"))
        }
        // best_by_session.csv: the search's own selection of each size, one line per session.
        let ps = try String(contentsOfFile: rep + "/best_by_session.csv", encoding: .utf8)
            .components(separatedBy: "\r\n").filter { !$0.isEmpty }.map { $0.components(separatedBy: ",") }
        let ph = ps[0], col = { (n: String) in ph.firstIndex(of: n)! }
        let mine = ps.dropFirst().filter { $0[col("search_selection")] == "1" }
        #expect(mine.count == 9 && summary.files.contains("best_by_session.csv"))
        for rec in mine {
            let s = Int(rec[col("session")])!, t = try #require(runs.rows.first { $0.row == Int(rec[col("row")])! })
            #expect(rec[col("session_file")] == "s\(s).h5")
            for name in ["valid_bits_per_spike", "valid_rate_nll", "valid_r2_pooled"] {
                #expect(Double(rec[col(name)]) == runs.metric(t, "\(name)_sess\(s)"), "\(name) session \(s)")
            }
            #expect(rec[col("valid_cobps")].isEmpty == (s != 1))
        }
        let html = try String(contentsOfFile: rep + "/index.html", encoding: .utf8)
        #expect(html.contains("best_by_session.csv (27 rows)"))

        // A session file with another T stops a --force rerun before it removes these results.
        try Self.sessions(data + "-bad", badT: true)
        var o = RunOptions(outDir: dir)
        try Self.config("\(data)-bad/s*.h5", search: Self.random).write(toFile: dir + "-bad.yaml", atomically: true, encoding: .utf8)
        o.configPath = dir + "-bad.yaml"; o.force = true
        let e = #expect(throws: (any Error).self) { try SearchRun.run(o, log: { _ in }) }
        #expect("\(e!)".contains("\(data)-bad/s3.h5: T = 12 bins"), "\(e!)")
        #expect(FileManager.default.fileExists(atPath: dir + "/results.h5"))
    }

    /// A size the sessions cannot hold, or one that leaves a session less than its per-step batch,
    /// is one error naming the files, before anything is written.
    @Test func sizesTheSessionsCannotHoldAreRefusedNamingTheFiles() throws {
        let data = SearchFixture.base + "/stitched-sizes"
        try Self.sessions(data)
        for (sizes, message) in [("[1.0, 80]", "80 trials is more than the 72 train trials of the 3 sessions"),
                                 ("[10]", "takes 3 of the 19 train trials of \(data)/s0.h5 (session 0), fewer than its per-session batch B_s = 4")] {
            let search = Self.random.replacingOccurrences(of: "[1.0, 0.5, 40]", with: sizes)
            let e = #expect(throws: (any Error).self) {
                try SearchFixture.runSearch(Self.config("\(data)/s*.h5", search: search), name: "stitched-sizes-run")
            }
            #expect("\(e!)".contains(message), "\(e!)")
            #expect("\(e!)".contains("\(data)/s0.h5"))
            #expect(!FileManager.default.fileExists(atPath: SearchFixture.base + "/stitched-sizes-run/results.h5"))
        }
    }

    /// A small size's subsets miss a condition in some session; its PCR read-ins are fitted on the
    /// conditions every session's subset has (PCR stacks the same conditions' PSTHs), while training
    /// keeps the whole subset.
    @Test func pcrOfASmallSizeUsesTheConditionsEverySessionHas() throws {
        let data = SearchFixture.base + "/stitched-pcr"
        try Self.sessions(data)
        let set = try SessionSet.load(["\(data)/s*.h5"], batchSize: 12)
        let n = SessionSubsets.counts(13, of: set.sessions.map(\.trainCount))
        let w = SearchWorker(sessions: set, sessionSizes: [n], seed: 5, subsampleValid: true)
        let subset = w.sessionSubset(size: 0).sessions, pcr = w.pcrSubset(size: 0).sessions
        let sets = subset.map { Set($0.trainConditions!) }
        let common = sets.dropFirst().reduce(sets[0]) { $0.intersection($1) }
        #expect(sets.contains { $0 != common } && !common.isEmpty, "the subsets' conditions differ: \(sets)")
        for (d, p) in zip(subset, pcr) {
            #expect(Set(p.trainConditions!) == common)
            #expect(p.trainCount == d.trainConditions!.filter(common.contains).count && p.trainInds.allSatisfy(d.trainInds.contains))
        }
        var hp = try StitchedRun.load(["\(data)/s*.h5"], config: RunConfig.parse(Self.config("\(data)/s*.h5", search: Self.random), origin: "test")).1
        hp.readinInit = "pcr"
        var warnings: [String] = []
        #expect(throws: (any Error).self) { try SessionInit.parameters(hp, sessions: w.sessionSubset(size: 0), warnings: &warnings) }
        #expect(try SessionInit.parameters(hp, sessions: w.pcrSubset(size: 0), warnings: &warnings).allSatisfy(\.isFinite))
    }

    /// PBT on sessions: every member-generation carries per-session metrics, and exploit hands on
    /// whole stitched checkpoints (adapters included), so every generation trains on.
    @Test func pbtRunsOnSessions() throws {
        let data = SearchFixture.base + "/stitched-pbt-data"
        try Self.sessions(data)
        let search = """
              method: pbt
              sizes: [1.0, 0.5]
              population: 3
              epochs_per_generation: 2
              max_generations: 2
              select_by: samp_valid_nll
              seed: 4
              space:
                lr: {dist: log_uniform, min: 0.005, max: 0.03, init: 0.02}
            """
        let (dir, exit) = try SearchFixture.runSearch(Self.config("\(data)/s*.h5", search: search), name: "stitched-pbt")
        #expect(exit == .ok)
        let f = try H5File.open(dir + "/results.h5")
        #expect(try f.readInt64("trials/status").values.allSatisfy { $0 == 2 })
        for s in 0..<3 { #expect(try SearchFixture.metricColumn(f, "valid_bits_per_spike_sess\(s)").allSatisfy(\.isFinite)) }
        // Generation 1 continues its parent's epochs: its history is the parent's two plus its own two.
        #expect(try f.readDouble("history/train_total").values.count == 12 * 4)
        let epochs = try SearchFixture.metricColumn(f, "epochs")
        #expect(epochs.prefix(6).allSatisfy { $0 == 2 } && epochs.suffix(6).allSatisfy { $0 == 4 }, "\(epochs)")
        #expect(FileManager.default.fileExists(atPath: "\(dir)/best/size1/rates_s1.h5"))
    }
}

extension StitchedSearchReportTests {
    /// A stitched search stopped after one trial and resumed (its sessions read again from the
    /// saved config) gives the uninterrupted search's table.
    @Test func aResumedStitchedSearchGivesTheSameTable() throws {
        let data = SearchFixture.base + "/stitched-resume-data"
        try Self.sessions(data)
        let search = Self.random.replacingOccurrences(of: "[1.0, 0.5, 40]", with: "[1.0, 0.5]")
            .replacingOccurrences(of: "trials_per_size: 2", with: "trials_per_size: 1")
        let yaml = Self.config("\(data)/s*.h5", search: search).replacingOccurrences(of: "max_epochs: 3", with: "max_epochs: 2")
        let (full, exit) = try SearchFixture.runSearch(yaml, name: "stitched-full")
        #expect(exit == .ok)
        let dir = SearchFixture.base + "/stitched-resumed"
        try yaml.write(toFile: dir + ".yaml", atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir)
        o.configPath = dir + ".yaml"; o.stopAfter = 1
        #expect(try SearchRun.run(o, log: { _ in }) == .interrupted)
        o.configPath = nil; o.stopAfter = nil; o.resume = true
        var lines: [String] = []
        #expect(try SearchRun.run(o, log: { lines.append($0) }) == .ok)
        #expect(lines.contains { $0.contains("1 of 2 rows done") }, "\(lines)")
        let a = try H5File.open(full + "/results.h5"), b = try H5File.open(dir + "/results.h5")
        for name in ["valid_nll", "valid_bits_per_spike_sess0", "valid_r2_pooled_sess2", "valid_bits_per_spike"] {
            #expect(try SearchFixture.metricColumn(a, name) == SearchFixture.metricColumn(b, name), "\(name)")
        }
        for s in 0..<3 {
            let p = "subsets/size1/sess\(s)/train_inds"
            #expect(try a.readInt64(p).values == b.readInt64(p).values)
        }
    }
}
