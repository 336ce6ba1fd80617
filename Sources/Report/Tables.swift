import Foundation

/// The three CSV tables of a report. Column order is fixed and documented in
/// README (Reports): identifying columns first, then hyperparameters as `hp_<name>`
/// (the union over runs, in the order the runs list them), then metrics (the union, in file
/// order). A run lacking a column leaves it empty.
public enum Tables {
    static func union(_ lists: [[String]]) -> [String] {
        var out: [String] = []
        for l in lists { for n in l where !out.contains(n) { out.append(n) } }
        return out
    }

    public static func hpColumns(_ runs: [SearchResults]) -> [String] { union(runs.map(\.hpNames)) }
    public static func metricColumns(_ runs: [SearchResults]) -> [String] { union(runs.map(\.metricNames)) }
    public static func historyColumns(_ runs: [SearchResults]) -> [String] { union(runs.map(\.historyColumns)) }

    public static let trialKeyColumns = ["run", "method", "select_by", "row", "size_index", "size", "trial",
                                         "generation", "status", "seed", "parent", "fitness"]

    /// trials.csv: a row per trial (random search) or member-generation (PBT), in file row order.
    public static func trials(_ runs: [SearchResults]) -> CSVWriter {
        let hps = hpColumns(runs), metrics = metricColumns(runs)
        var w = CSVWriter(columns: trialKeyColumns + hps.map { "hp_" + $0 } + metrics)
        for r in runs {
            for t in r.rows {
                let key = [r.label, r.method, r.selectBy, "\(t.row)", "\(t.sizeIndex)", "\(t.size)", "\(t.trial)",
                           "\(t.generation)", t.status, "\(t.seed)", "\(t.parent)", CSVNumber.format(t.fitness)]
                w.add(key + hps.map { CSVNumber.format(r.hp(t, $0)) } + metrics.map { CSVNumber.format(r.metric(t, $0)) })
            }
        }
        return w
    }

    public static let historyKeyColumns = ["run", "row", "size", "trial", "generation", "status", "epoch"]

    /// history.csv: a row per epoch a trial trained (long format, one curve per `run`,`row`).
    /// `epoch` counts from 0 as the trainer does. A PBT row's stored history repeats its whole
    /// lineage; here it keeps only the epochs of its own generation, numbered along the lineage, so
    /// the file does not grow with the square of the generations and a lineage's rows, concatenated,
    /// give the full curve (figure d does that).
    public static func history(_ runs: [SearchResults]) -> CSVWriter {
        let cols = historyColumns(runs)
        var w = CSVWriter(columns: historyKeyColumns + cols)
        for r in runs {
            for (k, t) in r.rows.enumerated() {
                let n = r.epochCount(k)
                guard n > 0 else { continue }
                var first = 0
                if r.isPBT, t.generation > 0 {
                    let chain = r.lineage(k)
                    if chain.count >= 2 { first = min(r.epochCount(chain[chain.count - 2]), n) }
                }
                let curves = cols.map { r.curve(k, $0) }
                for e in first..<n {
                    let key = [r.label, "\(t.row)", "\(t.size)", "\(t.trial)", "\(t.generation)", t.status, "\(e)"]
                    w.add(key + curves.map { e < $0.count ? CSVNumber.format($0[e]) : "" })
                }
            }
        }
        return w
    }

    public static let bestKeyColumns = ["run", "method", "size_index", "size", "selection_metric", "selection_value",
                                        "search_selection", "stored_best_row", "candidates", "rows_at_size",
                                        "row", "trial", "generation", "status"]

    /// best_by_size.csv: per run, size and selection rule, the selected row with all its metrics
    /// (the truth metrics valid_r2_per_neuron, valid_r2_pooled, valid_cobps among them) and
    /// hyperparameters. `search_selection` is 1 for the rule the search itself used (whose rates
    /// are in best/size<i>/), and `stored_best_row` is the row the file records there.
    public static func bestBySize(_ runs: [SearchResults]) -> CSVWriter {
        let hps = hpColumns(runs), metrics = metricColumns(runs)
        var w = CSVWriter(columns: bestKeyColumns + metrics + hps.map { "hp_" + $0 })
        for r in runs {
            for s in r.selections {
                let t = r.rows[s.index]
                let atSize = r.rows.filter { $0.sizeIndex == s.sizeIndex }.count
                let stored = r.best[s.sizeIndex].map { "\($0.row)" } ?? ""
                let key = [r.label, r.method, "\(s.sizeIndex)", "\(s.size)", s.rule.name, CSVNumber.format(s.value),
                           s.rule.metric == r.selectBy && !s.rule.isOracle ? "1" : "0", stored, "\(s.candidates)",
                           "\(atSize)", "\(t.row)", "\(t.trial)", "\(t.generation)", t.status]
                w.add(key + metrics.map { CSVNumber.format(r.metric(t, $0)) } + hps.map { CSVNumber.format(r.hp(t, $0)) })
            }
        }
        return w
    }
}
