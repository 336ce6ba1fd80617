import Foundation

/// The per-session view of stitched searches (docs/search.md §8): results files whose metrics include
/// `<metric>_sess<s>` columns, one per session of the stitched model.
extension SearchResults {
    /// Sessions of a stitched search's model (0: not stitched), from its metric columns.
    public var sessionCount: Int {
        metricNames.compactMap { SessionTables.split($0)?.session }.max().map { $0 + 1 } ?? 0
    }

    /// The session files in session order (the search's `session_paths_json`), or none.
    public var sessionPaths: [String] {
        guard let json = attributes["session_paths_json"],
              let paths = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else { return [] }
        return paths
    }
}

public enum SessionTables {
    /// "valid_bits_per_spike_sess2" → ("valid_bits_per_spike", 2).
    static func split(_ name: String) -> (metric: String, session: Int)? {
        guard let r = name.range(of: "_sess", options: .backwards), let s = Int(name[r.upperBound...]), s >= 0 else { return nil }
        return (String(name[..<r.lowerBound]), s)
    }

    public static let keyColumns = ["run", "method", "size_index", "size", "selection_metric", "search_selection",
                                    "row", "session", "session_file"]

    /// best_by_session.csv: per stitched run, selection of best_by_size.csv and session, the selected
    /// row's numbers for that session. Nil when no run is stitched (the file is not written then).
    public static func bestBySession(_ runs: [SearchResults]) -> CSVWriter? {
        let stitched = runs.filter { $0.sessionCount > 0 }
        guard !stitched.isEmpty else { return nil }
        var metrics: [String] = []
        for r in stitched { for n in r.metricNames { if let m = split(n)?.metric, !metrics.contains(m) { metrics.append(m) } } }
        var w = CSVWriter(columns: keyColumns + metrics)
        for r in stitched {
            let paths = r.sessionPaths
            for sel in r.selections {
                let t = r.rows[sel.index]
                for s in 0..<r.sessionCount {
                    let file = s < paths.count ? (paths[s] as NSString).lastPathComponent : ""
                    w.add([r.label, r.method, "\(sel.sizeIndex)", "\(sel.size)", sel.rule.name,
                           sel.rule.metric == r.selectBy && !sel.rule.isOracle ? "1" : "0", "\(t.row)", "\(s)", file]
                          + metrics.map { CSVNumber.format(r.metric(t, "\($0)_sess\(s)")) })
                }
            }
        }
        return w
    }
}
