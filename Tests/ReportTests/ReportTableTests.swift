import Foundation
import Testing
@testable import Report
import Store

/// A CSV file parsed into a header and records addressed by column name.
struct CSVTable {
    let header: [String], records: [[String]]
    init(_ path: String) throws {
        let all = try parseCSV(try String(contentsOfFile: path, encoding: .utf8))
        header = all.first ?? []
        records = Array(all.dropFirst())
        for r in records { precondition(r.count == header.count, "ragged record in \(path)") }
    }
    func col(_ name: String) -> Int { header.firstIndex(of: name)! }
    func rows(where name: String, is value: String) -> [[String]] { records.filter { $0[col(name)] == value } }
}

/// The stored value and the CSV field agree: NaN is an empty field, anything else reads back exactly.
func same(_ field: String, _ v: Double) -> Bool { v.isNaN ? field.isEmpty : Double(field) == v }

@Suite(.serialized)
struct ReportTableTests {
    /// One report over the finished random search and the finished PBT search.
    static let report: Result<(String, ReportSummary), Error> = Result {
        let out = SearchFixture.tempDir("both")
        let s = try ReportBuilder.run(inputs: [try SearchFixture.random.get(), try SearchFixture.pbt.get()], outDir: out, log: { _ in })
        return (out, s)
    }

    @Test func trialsCSVHoldsEveryRowOfEveryResultsFileInDocumentedOrder() throws {
        let (out, summary) = try Self.report.get()
        let t = try CSVTable(out + "/trials.csv")
        for dir in [try SearchFixture.random.get(), try SearchFixture.pbt.get()] {
            let f = try H5File.open(dir + "/results.h5")
            let hpNames = try JSONDecoder().decode([String].self, from: Data(try f.stringAttribute("hp_names_json")!.utf8))
            let metricNames = try JSONDecoder().decode([String].self, from: Data(try f.stringAttribute("metric_names_json")!.utf8))
            let statusNames = try JSONDecoder().decode([String].self, from: Data(try f.stringAttribute("status_names_json")!.utf8))
            // The documented order: key columns, then hp_<name>, then metrics.
            #expect(Array(t.header.prefix(Tables.trialKeyColumns.count)) == Tables.trialKeyColumns)
            let hpCols = t.header.filter { $0.hasPrefix("hp_") }
            #expect(t.header.firstIndex(of: hpCols.first!)! == Tables.trialKeyColumns.count)
            #expect(Array(t.header.suffix(metricNames.count)) == metricNames)
            for h in hpNames { #expect(hpCols.contains("hp_" + h)) }

            let label = (dir as NSString).lastPathComponent
            let rows = t.rows(where: "run", is: label)
            let K = try f.info("trials/row").shape[0]
            #expect(rows.count == K, "\(label): \(rows.count) CSV rows for \(K) stored rows")
            let status = try f.readInt64("trials/status").values, seed = try f.readInt64("trials/seed").values
            let gen = try f.readInt64("trials/generation").values, size = try f.readInt64("trials/size").values
            let hps = try f.readDouble("trials/hps").values, metrics = try f.readDouble("trials/metrics").values
            let fitness = try f.readDouble("trials/fitness").values
            for (k, r) in rows.enumerated() {
                #expect(r[t.col("row")] == "\(k)")
                #expect(r[t.col("method")] == (try f.stringAttribute("method")))
                #expect(r[t.col("status")] == statusNames[Int(status[k])])
                #expect(r[t.col("seed")] == "\(seed[k])")
                #expect(r[t.col("generation")] == "\(gen[k])")
                #expect(r[t.col("size")] == "\(size[k])")
                #expect(same(r[t.col("fitness")], fitness[k]))
                for (j, h) in hpNames.enumerated() { #expect(same(r[t.col("hp_" + h)], hps[k * hpNames.count + j]), "\(h) row \(k)") }
                for (j, m) in metricNames.enumerated() { #expect(same(r[t.col(m)], metrics[k * metricNames.count + j]), "\(m) row \(k)") }
            }
            #expect(rows.allSatisfy { $0[t.col("status")] == "completed" })
        }
        #expect(summary.trialRows == t.records.count)
        // A hyperparameter only one run searched is empty in the other run's rows.
        let klOnlyInPBT = t.rows(where: "run", is: "random").map { $0[t.col("hp_kl_co_scale")] }
        #expect(klOnlyInPBT.allSatisfy { $0.isEmpty })
    }

    @Test func bestBySizeAgreesWithTheSearchsOwnSelectionAndTruth() throws {
        let (out, _) = try Self.report.get()
        let b = try CSVTable(out + "/best_by_size.csv"), t = try CSVTable(out + "/trials.csv")
        #expect(Array(b.header.prefix(Tables.bestKeyColumns.count)) == Tables.bestKeyColumns)
        for dir in [try SearchFixture.random.get(), try SearchFixture.pbt.get()] {
            let label = (dir as NSString).lastPathComponent
            let f = try H5File.open(dir + "/results.h5")
            let selectBy = try f.stringAttribute("select_by")!
            let sizes = try JSONDecoder().decode([Int].self, from: Data(try f.stringAttribute("sizes_json")!.utf8))
            let mine = b.rows(where: "run", is: label)
            let rules = Set(mine.map { $0[b.col("selection_metric")] })
            #expect(rules == ["valid_nll", "samp_valid_nll", "oracle_valid_r2_per_neuron"], "\(label): \(rules)")
            for si in sizes.indices {
                let stored = Int(try f.int64Attribute("row", on: "best/size\(si)")!)
                let own = try #require(mine.first { $0[b.col("size_index")] == "\(si)" && $0[b.col("search_selection")] == "1" })
                #expect(own[b.col("selection_metric")] == selectBy)
                #expect(own[b.col("row")] == "\(stored)", "\(label) size \(si): report picks \(own[b.col("row")]), search picked \(stored)")
                #expect(own[b.col("stored_best_row")] == "\(stored)")
                #expect(Double(own[b.col("selection_value")]) == (try f.doubleAttribute("fitness", on: "best/size\(si)")))
                // Every selection is the best value among its candidates, and carries the row's truth metrics.
                for sel in mine where sel[b.col("size_index")] == "\(si)" {
                    let metric = sel[b.col("selection_metric")].replacingOccurrences(of: "oracle_", with: "")
                    let higher = sel[b.col("selection_metric")].hasPrefix("oracle_")
                    var cands = t.rows(where: "run", is: label).filter { $0[t.col("size_index")] == "\(si)" && $0[t.col("status")] == "completed" }
                    if label == "pbt" {
                        let last = cands.map { Int($0[t.col("generation")])! }.max()!
                        cands = cands.filter { $0[t.col("generation")] == "\(last)" }
                    }
                    #expect(sel[b.col("candidates")] == "\(cands.count)")
                    let values = cands.map { Double($0[t.col(metric)])! }
                    #expect(Double(sel[b.col("selection_value")]) == (higher ? values.max() : values.min()))
                    let row = try #require(t.rows(where: "run", is: label).first { $0[t.col("row")] == sel[b.col("row")] })
                    for m in ["valid_r2_per_neuron", "valid_r2_pooled", "valid_nll", "samp_valid_nll"] {
                        #expect(sel[b.col(m)] == row[t.col(m)] && !row[t.col(m)].isEmpty, "\(m)")
                    }
                }
            }
        }
    }

    @Test func historyCSVHoldsEachTrialsEpochsAndPBTLineagesAddUpToTheWholeCurve() throws {
        let (out, _) = try Self.report.get()
        let h = try CSVTable(out + "/history.csv"), t = try CSVTable(out + "/trials.csv")
        #expect(Array(h.header.prefix(Tables.historyKeyColumns.count)) == Tables.historyKeyColumns)
        // Random search: a row per epoch, the values of history/<column>.
        let dir = try SearchFixture.random.get()
        let f = try H5File.open(dir + "/results.h5")
        let (shape, recon) = try f.readDouble("history/valid_recon")
        for r in t.rows(where: "run", is: "random") {
            let k = Int(r[t.col("row")])!
            let epochs = h.rows(where: "run", is: "random").filter { $0[h.col("row")] == "\(k)" }
            #expect("\(epochs.count)" == r[t.col("epochs")])
            #expect(epochs.map { $0[h.col("epoch")] } == (0..<epochs.count).map(String.init))
            for (e, rec) in epochs.enumerated() { #expect(same(rec[h.col("valid_recon")], recon[k * shape[1] + e])) }
        }
        // PBT: each row lists only its own generation's epochs, numbered along its lineage.
        let pbt = h.rows(where: "run", is: "pbt")
        for r in t.rows(where: "run", is: "pbt") {
            let own = pbt.filter { $0[h.col("row")] == r[t.col("row")] }
            #expect(own.count == 2, "epochs_per_generation is 2")
            let g = Int(r[t.col("generation")])!
            #expect(own.map { $0[h.col("epoch")] } == [String(2 * g), String(2 * g + 1)])
        }
        // Concatenated along the lineage they give the selected model's stored (whole) history.
        let runs = [try ResultsReader.read(try SearchFixture.pbt.get())]
        let r = runs[0]
        let sel = try #require(r.select(SelectionRule.usable[1], size: 0))
        let chain = r.lineage(sel.index)
        #expect(chain.count == r.rows[sel.index].generation + 1)
        let joined = chain.flatMap { k in pbt.filter { $0[h.col("row")] == "\(k)" }.map { $0[h.col("valid_recon")] } }
        #expect(joined.count == r.curve(sel.index, "valid_recon").count)
        #expect(zip(joined, r.curve(sel.index, "valid_recon")).allSatisfy { same($0, $1) })
    }

    @Test func aPartialSearchReportsWhatIsMissing() throws {
        let dir = try SearchFixture.partial.get()
        let f = try H5File.open(dir + "/results.h5")
        #expect(try f.int64Attribute("complete") == 0)
        let out = SearchFixture.tempDir("partial")
        var lines: [String] = []
        let s = try ReportBuilder.run(inputs: [dir], outDir: out, log: { lines.append($0) })
        let t = try CSVTable(out + "/trials.csv")
        #expect(t.records.count == 4)
        #expect(t.rows(where: "status", is: "completed").count == 2)
        let pending = t.rows(where: "status", is: "pending")
        #expect(pending.count == 2)
        #expect(pending.allSatisfy { $0[t.col("valid_nll")].isEmpty && $0[t.col("fitness")].isEmpty && !$0[t.col("hp_lr")].isEmpty })
        #expect(s.notices.contains { $0.contains("has not finished") && $0.contains("2 of 4 rows done") && $0.contains("2 pending") })
        #expect(s.notices.contains { $0.contains("best/") })
        #expect(lines.contains { $0.hasPrefix("missing: ") && $0.contains("--resume") })
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(html.contains("What these results do not hold yet") && html.contains("2 of 4 rows done"))
        // Trial-major order finishes trial 0 of both sizes first, so both sizes have a selection, from one candidate.
        let b = try CSVTable(out + "/best_by_size.csv")
        #expect(b.rows(where: "selection_metric", is: "valid_nll").map { $0[b.col("candidates")] } == ["1", "1"])
        #expect(b.records.allSatisfy { $0[b.col("stored_best_row")].isEmpty })
    }

    @Test func severalRunsGetDistinctNamesAndOneSeriesEach() throws {
        let (_, _) = try Self.report.get()
        let out = SearchFixture.tempDir("three")
        let random = try SearchFixture.random.get()
        let s = try ReportBuilder.run(inputs: [random, try SearchFixture.partial.get(), random + "/results.h5"], outDir: out, log: { _ in })
        let t = try CSVTable(out + "/trials.csv")
        #expect(Set(t.records.map { $0[t.col("run")] }) == ["random", "partial", "random (2)"])
        #expect(s.trialRows == 4 + 4 + 4)
    }

    @Test func runLabelsAddParentDirectoriesOnlyWhereNamesClash() {
        func fake(_ p: String) -> SearchResults {
            SearchResults(path: p + "/results.h5", label: "", method: "random", selectBy: "valid_nll", complete: true, sizes: [],
                          hpNames: [], metricNames: [], historyColumns: [], rows: [], history: [:], best: [:], attributes: [:])
        }
        var runs = [fake("/x/cd-on/search"), fake("/x/cd-off/search"), fake("/y/lone")]
        RunLabels.assign(&runs)
        #expect(runs.map(\.label) == ["cd-on/search", "cd-off/search", "lone"])
    }
}
