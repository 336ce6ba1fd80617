import Foundation
import Store
import Vocabulary

/// A user-facing error of `spikesae report`: one line that names the file and what is wrong.
public struct ReportError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ d: String) { description = d }
}

/// One row of `trials/`: a random-search trial or one PBT member in one generation.
public struct TrialRow: Sendable, Equatable {
    public var row: Int, sizeIndex: Int, size: Int, trial: Int, generation: Int
    public var status: String
    public var seed: Int
    /// PBT: the member whose weights this row started from (−1: its own or fresh).
    public var parent: Int
    /// In the order of `SearchResults.hpNames` / `metricNames`; NaN when missing.
    public var hps: [Double], metrics: [Double]
    /// The value the search selected by, lower is better; NaN unless completed.
    public var fitness: Double
    /// Asynchronous PBT: the row whose state this row started from (−1: fresh); nil in other files.
    public var startRow: Int? = nil
}

/// What `best/size<i>` says the search itself selected.
public struct StoredBest: Sendable, Equatable {
    public var row: Int, fitness: Double, selectBy: String
}

/// One results.h5 (docs/search.md §6, written by SearchRunner/ResultsFile.swift), read whole into memory: a
/// report needs every row several times over, and the files are small (no rates are read).
public struct SearchResults: Sendable {
    public static let format = "spikesae-search-results"
    /// The newest layout this reader knows; a newer file is refused rather than misread.
    public static let formatVersion = 1

    public let path: String
    /// The run's name in tables and legends (set by `RunLabels` so that several runs differ).
    public var label: String
    public let method: String, selectBy: String
    /// A population-based-training run (only its last generation's weights are kept).
    public var isPBT: Bool { method == SearchMethod.pbt.rawValue }
    /// PBT whose members exploit as soon as they finish an interval (`pbt_schedule: async`).
    public var isAsyncPBT: Bool { isPBT && attributes["pbt_schedule"] == "async" }
    public let complete: Bool
    /// Training-trial counts per size index.
    public let sizes: [Int]
    public let hpNames: [String], metricNames: [String], historyColumns: [String]
    public let rows: [TrialRow]
    /// Per history column, per row, the per-epoch values with the NaN padding after the last epoch removed.
    public let history: [String: [[Double]]]
    /// Size index → the stored selection; absent until the search finishes.
    public let best: [Int: StoredBest]
    /// The string root attributes (config, data_path, data_sha256, command, start_time_utc, ...).
    public let attributes: [String: String]

    struct RowKey: Hashable { var sizeIndex: Int, generation: Int, trial: Int }
    /// Row index by (size, generation, member), so following a PBT lineage is a lookup per generation.
    let rowIndex: [RowKey: Int]
    /// Row index by the `row` column, for async PBT's `start_row`.
    let indexOfRow: [Int: Int]

    init(path: String, label: String, method: String, selectBy: String, complete: Bool, sizes: [Int], hpNames: [String],
         metricNames: [String], historyColumns: [String], rows: [TrialRow], history: [String: [[Double]]],
         best: [Int: StoredBest], attributes: [String: String]) {
        self.path = path; self.label = label; self.method = method; self.selectBy = selectBy; self.complete = complete
        self.sizes = sizes; self.hpNames = hpNames; self.metricNames = metricNames; self.historyColumns = historyColumns
        self.rows = rows; self.history = history; self.best = best; self.attributes = attributes
        var index: [RowKey: Int] = [:]
        for (k, r) in rows.enumerated() where index[RowKey(sizeIndex: r.sizeIndex, generation: r.generation, trial: r.trial)] == nil {
            index[RowKey(sizeIndex: r.sizeIndex, generation: r.generation, trial: r.trial)] = k
        }
        rowIndex = index
        var byRow: [Int: Int] = [:]
        for (k, r) in rows.enumerated() where byRow[r.row] == nil { byRow[r.row] = k }
        indexOfRow = byRow
    }

    public func metric(_ r: TrialRow, _ name: String) -> Double {
        metricNames.firstIndex(of: name).map { r.metrics[$0] } ?? .nan
    }

    public func hp(_ r: TrialRow, _ name: String) -> Double {
        hpNames.firstIndex(of: name).map { r.hps[$0] } ?? .nan
    }

    /// The per-epoch values of `column` for row index `k` (empty when the column is absent).
    public func curve(_ k: Int, _ column: String) -> [Double] {
        guard let c = history[column], k < c.count else { return [] }
        return c[k]
    }

    /// Number of recorded epochs of row index `k`: the longest curve over all columns.
    public func epochCount(_ k: Int) -> Int {
        history.values.map { k < $0.count ? $0[k].count : 0 }.max() ?? 0
    }
}

public enum ResultsReader {
    /// `DIR` (reads DIR/results.h5) or the path of a results file itself.
    public static func read(_ input: String) throws -> SearchResults {
        let path = try resolve(input)
        let f: H5File
        do { f = try H5File.open(path) } catch let e as StoreError {
            if case .notHDF5 = e {
                throw notResults(path, hasHDF5Signature(path) ? "a truncated or corrupt HDF5 file" : "not an HDF5 file")
            }
            throw ReportError(oneLine("\(e)"))
        }
        defer { try? f.close() }
        // Any Store error below means a damaged or foreign file; keep it to one line.
        do {
            try f.verifyChecksums()  // the whole file, not only the columns a report draws (docs/data.md §7)
            return try read(f, path: path)
        } catch let e as StoreError { throw ReportError(oneLine("\(path): \(e)")) }
    }

    static func resolve(_ input: String) throws -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDir) else {
            throw ReportError("\(input): no such file or directory")
        }
        guard isDir.boolValue else { return input }
        let p = (input as NSString).appendingPathComponent("results.h5")
        guard FileManager.default.fileExists(atPath: p) else {
            throw ReportError("\(input) has no results.h5: not a SpikeSAE search directory (`spikesae search --out DIR` writes one)")
        }
        return p
    }

    /// Whether the HDF5 signature is where the format allows it (offset 0, 512, 1024, ...), to tell a
    /// damaged results file from some other kind of file.
    static func hasHDF5Signature(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        let sig: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        for offset in [0, 512, 1024, 2048, 4096] {
            guard (try? h.seek(toOffset: UInt64(offset))) != nil, let d = try? h.read(upToCount: 8), d.count == 8 else { return false }
            if Array(d) == sig { return true }
        }
        return false
    }

    static func notResults(_ path: String, _ why: String) -> ReportError {
        ReportError("\(path) is not a SpikeSAE search results file: \(why)")
    }

    static func oneLine(_ s: String) -> String {
        s.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    static func read(_ f: H5File, path: String) throws -> SearchResults {
        let format: String?
        do { format = try f.stringAttribute("format") } catch { format = nil }
        guard format == SearchResults.format else {
            let found = format.map { "format is \"\($0)\"" } ?? "no format attribute"
            throw notResults(path, "it needs the root attribute format = \"\(SearchResults.format)\" (\(found))")
        }
        let version = Int(try f.int64Attribute("format_version") ?? 1)
        if version > SearchResults.formatVersion {
            throw ReportError("\(path): results format_version \(version) is newer than this spikesae reads (\(SearchResults.formatVersion)); update spikesae")
        }
        func attr(_ name: String) throws -> String {
            guard let v = try f.stringAttribute(name) else { throw ReportError("\(path): malformed results file: root attribute '\(name)' is missing") }
            return v
        }
        func list<T: Decodable>(_ name: String, _: T.Type) throws -> [T] {
            let text = try attr(name)
            do { return try JSONDecoder().decode([T].self, from: Data(text.utf8)) } catch {
                throw ReportError("\(path): malformed results file: attribute '\(name)' is not a JSON list: \(text)")
            }
        }
        let sizes = try list("sizes_json", Int.self)
        let hpNames = try list("hp_names_json", String.self)
        let metricNames = try list("metric_names_json", String.self)
        let historyColumns = try list("history_columns_json", String.self)
        let statusNames = try list("status_names_json", String.self)

        func ints(_ name: String) throws -> [Int] { try f.readInt64("trials/" + name).values.map { Int($0) } }
        let rowIDs = try ints("row"), sizeIndex = try ints("size_index"), size = try ints("size")
        let trial = try ints("trial"), generation = try ints("generation"), status = try ints("status")
        let seed = try ints("seed"), parent = try ints("parent")
        let K = rowIDs.count
        for (name, v) in [("size_index", sizeIndex), ("size", size), ("trial", trial), ("generation", generation),
                          ("status", status), ("seed", seed), ("parent", parent)] where v.count != K {
            throw ReportError("\(path): malformed results file: trials/\(name) has \(v.count) rows, trials/row has \(K)")
        }
        let hps = try matrix(f, "trials/hps", rows: K, cols: hpNames.count, path)
        let metrics = try matrix(f, "trials/metrics", rows: K, cols: metricNames.count, path)
        let fitness = try f.readDouble("trials/fitness").values
        guard fitness.count == K else { throw ReportError("\(path): malformed results file: trials/fitness has \(fitness.count) rows, expected \(K)") }

        // Asynchronous PBT's lineage column (docs/search.md §6); other files do not have it.
        let startRow = f.exists("trials/start_row") ? try ints("start_row") : nil
        if let startRow, startRow.count != K {
            throw ReportError("\(path): malformed results file: trials/start_row has \(startRow.count) rows, trials/row has \(K)")
        }
        var rows: [TrialRow] = []
        for k in 0..<K {
            let name = status[k] >= 0 && status[k] < statusNames.count ? statusNames[status[k]] : "status\(status[k])"
            rows.append(TrialRow(row: rowIDs[k], sizeIndex: sizeIndex[k], size: size[k], trial: trial[k],
                                 generation: generation[k], status: name, seed: seed[k], parent: parent[k],
                                 hps: hps[k], metrics: metrics[k], fitness: fitness[k], startRow: startRow?[k]))
        }

        var history: [String: [[Double]]] = [:]
        for c in historyColumns where f.exists("history/" + c) {
            let (shape, v) = try f.readDouble("history/" + c)
            guard shape.count == 2, shape[0] == K else {
                throw ReportError("\(path): malformed results file: history/\(c) has shape \(shape), expected [\(K), epochs]")
            }
            let E = shape[1]
            history[c] = (0..<K).map { k in Array(v[(k * E)..<((k + 1) * E)]) }
        }
        // Rows are NaN-padded to the longest history; cut each row after its last epoch with any value,
        // so an epoch where only some columns are NaN (e.g. no sample validation) is kept.
        for k in 0..<K {
            let n = history.values.map { ($0[k].lastIndex(where: { !$0.isNaN }) ?? -1) + 1 }.max() ?? 0
            for c in history.keys { history[c]![k] = Array(history[c]![k].prefix(n)) }
        }

        var best: [Int: StoredBest] = [:]
        for g in f.groupNames(in: "best") where g.hasPrefix("size") {
            guard let si = Int(g.dropFirst(4)) else { continue }
            let at = "best/" + g
            guard let row = try f.int64Attribute("row", on: at) else { continue }
            best[si] = StoredBest(row: Int(row), fitness: try f.doubleAttribute("fitness", on: at) ?? .nan,
                                  selectBy: try f.stringAttribute("select_by", on: at) ?? "")
        }

        var attributes: [String: String] = [:]
        for name in try f.attributeNames() {
            if let s = try? f.stringAttribute(name) { attributes[name] = s }
        }
        let complete = (try f.int64Attribute("complete") ?? 0) == 1
        let run = ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent
        return SearchResults(path: path, label: run.isEmpty ? path : run, method: try attr("method"),
                             selectBy: try attr("select_by"), complete: complete, sizes: sizes, hpNames: hpNames,
                             metricNames: metricNames, historyColumns: historyColumns, rows: rows,
                             history: history, best: best, attributes: attributes)
    }

    static func matrix(_ f: H5File, _ name: String, rows K: Int, cols C: Int, _ path: String) throws -> [[Double]] {
        let (shape, v) = try f.readDouble(name)
        // An HDF5 [K, 0] dataset may come back as shape [K, 0] or [K]; both hold no values.
        if C == 0 { return Array(repeating: [], count: K) }
        guard shape == [K, C] else {
            throw ReportError("\(path): malformed results file: \(name) has shape \(shape), expected [\(K), \(C)]")
        }
        return (0..<K).map { Array(v[($0 * C)..<(($0 + 1) * C)]) }
    }
}

/// Names several runs so that each differs: the directory name, with parent directories added only
/// where two runs would otherwise share a name (runs/cd-on/search and runs/cd-off/search).
public enum RunLabels {
    public static func assign(_ runs: inout [SearchResults]) {
        let parts = runs.map { r -> [String] in
            let dir = (r.path as NSString).deletingLastPathComponent
            let comps = (dir as NSString).standardizingPath.split(separator: "/").map(String.init)
            return comps.isEmpty ? [r.path] : comps
        }
        var depth = [Int](repeating: 1, count: runs.count)
        func label(_ i: Int) -> String { parts[i].suffix(depth[i]).joined(separator: "/") }
        var changed = true
        while changed {
            changed = false
            let labels = runs.indices.map(label)
            for i in runs.indices where depth[i] < parts[i].count {
                // Only a clash with a different directory is resolved by a longer name.
                if runs.indices.contains(where: { $0 != i && labels[$0] == labels[i] && parts[$0] != parts[i] }) {
                    depth[i] += 1
                    changed = true
                }
            }
        }
        // The same directory given twice still needs two names.
        var seen: [String: Int] = [:]
        for i in runs.indices {
            var l = label(i)
            if let n = seen[l] { seen[l] = n + 1; l += " (\(n + 1))" } else { seen[l] = 1 }
            runs[i].label = l
        }
    }
}
