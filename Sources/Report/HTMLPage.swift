import Foundation
import Vocabulary

/// The report's index.html: one self-contained file (styles and SVG figures inline, no scripts, no
/// network) that shows the figures beside the tables. It is written as well-formed XHTML-compatible
/// markup, so an XML parser reads it as well as a browser does.
public enum HTMLPage {
    /// Rows of trials.csv shown on the page; the CSV file always holds them all.
    public static let maxTrialRows = 3000

    public static func render(runs: [SearchResults], figures: [Figure], trials: CSVWriter, best: CSVWriter,
                              notices: [String], files: [String], generated: Date = Date(), perSession: CSVWriter? = nil) -> String {
        var h = """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>SpikeSAE search report</title>
            <style>
            \(css)
            </style>
            </head>
            <body>
            <h1>SpikeSAE search report</h1>

            """
        let stamp = ISO8601DateFormatter().string(from: generated)
        h += "<p class=\"meta\">\(runs.count) run\(runs.count == 1 ? "" : "s"), generated \(stamp) by <code>spikesae report</code>. "
        h += "Figures: \(figures.map { "<a href=\"#\($0.id)\">\(xmlEscape($0.shortTitle))</a>" }.joined(separator: " · "))"
        h += " · <a href=\"#tables\">tables</a> · <a href=\"#files\">files</a></p>\n"

        if !notices.isEmpty {
            h += "<div class=\"notice\" id=\"missing\"><h2>What these results do not hold yet</h2><ul>\n"
            for n in notices { h += "<li>\(xmlEscape(n))</li>\n" }
            h += "</ul></div>\n"
        }

        h += "<h2 id=\"runs\">Runs</h2>\n" + runsTable(runs)

        for (i, f) in figures.enumerated() {
            h += "<section class=\"figure\" id=\"\(xmlEscape(f.id))\">\n"
            if i == 0 && f.id == "fig_a_truth_vs_size" {
                // The main figure sits beside the table of the models it plots.
                h += "<div class=\"pair\"><figure>\(f.svg())<figcaption>\(xmlEscape(f.caption)) "
                    + "<a href=\"\(xmlEscape(f.id)).svg\">SVG</a></figcaption></figure>\n"
                h += "<div class=\"side\"><h3>Selected models (from best_by_size.csv)</h3>\(selectedTable(best, runs: runs))</div></div>\n"
            } else {
                h += "<figure>\(f.svg())<figcaption>\(xmlEscape(f.caption)) <a href=\"\(xmlEscape(f.id)).svg\">SVG</a></figcaption></figure>\n"
            }
            h += "</section>\n"
        }
        if figures.isEmpty || !figures.contains(where: { $0.id == "fig_a_truth_vs_size" }) {
            h += "<p class=\"notice\">No completed trial has a truth R² or co-bps, so figures (a) and (b) cannot be drawn "
                + "(real data need held-out neurons for co-bps).</p>\n"
        }

        h += "<h2 id=\"tables\">Tables</h2>\n"
        h += "<h3>best_by_size.csv (\(best.recordCount) rows)</h3>\n<div class=\"scroll\">\(table(best, limit: nil))</div>\n"
        if let perSession {
            // Stitched searches: the overall numbers above are unweighted means over these sessions.
            h += "<h3>best_by_session.csv (\(perSession.recordCount) rows)</h3>\n"
                + "<p class=\"meta\">Stitched models: each selected row's numbers per session; the overall numbers above are their unweighted mean.</p>\n"
                + "<div class=\"scroll\">\(table(perSession, limit: nil))</div>\n"
        }
        let shown = min(trials.recordCount, maxTrialRows)
        h += "<details><summary>trials.csv (\(trials.recordCount) rows\(shown < trials.recordCount ? ", first \(shown) shown" : ""))</summary>\n"
        h += "<div class=\"scroll tall\">\(table(trials, limit: maxTrialRows))</div></details>\n"

        h += "<h2 id=\"files\">Files</h2>\n<ul class=\"files\">\n"
        for f in files { h += "<li><a href=\"\(xmlEscape(f))\">\(xmlEscape(f))</a></li>\n" }
        h += "</ul>\n</body>\n</html>\n"
        return h
    }

    static let css = """
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px; color: #222; background: #fafafa; }
        h1 { font-size: 24px; margin: 0 0 4px 0; }
        h2 { font-size: 19px; margin: 28px 0 10px 0; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
        h3 { font-size: 15px; margin: 6px 0 8px 0; }
        .meta { color: #555; font-size: 13px; }
        .notice { background: #fff6d6; border: 1px solid #e0c060; padding: 8px 14px; border-radius: 4px; font-size: 14px; }
        .notice h2 { border: none; margin: 4px 0; font-size: 16px; }
        figure { margin: 0 0 8px 0; background: #fff; border: 1px solid #ddd; padding: 6px; display: inline-block; max-width: 100%; overflow-x: auto; }
        figcaption { font-size: 13px; color: #444; margin: 6px 4px; width: 0; min-width: calc(100% - 8px); }
        .pair { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
        .side { flex: 1 1 420px; min-width: 380px; max-width: 100%; }
        table { border-collapse: collapse; font-size: 12.5px; background: #fff; }
        th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: right; white-space: nowrap; }
        th { background: #eef1f5; position: sticky; top: 0; }
        td.text, th.text { text-align: left; }
        tr:nth-child(even) td { background: #f7f9fb; }
        tr.own td { font-weight: bold; }
        .scroll { overflow: auto; max-width: 100%; max-height: 480px; border: 1px solid #ddd; }
        .scroll.tall { max-height: 640px; }
        details { margin: 12px 0; }
        summary { cursor: pointer; font-weight: bold; font-size: 15px; }
        .status-pending, .status-running { color: #a06000; }
        .status-diverged, .status-failed { color: #b00020; }
        .files li { font-family: monospace; }
        """

    /// Numbers shortened to 4 significant digits for reading; the CSV files keep every digit.
    static func display(_ field: String) -> String {
        guard field.contains(".") || field.contains("e"), let v = Double(field), v.isFinite else { return field }
        return tickLabelSig(v)
    }

    static func tickLabelSig(_ v: Double) -> String {
        let a = abs(v)
        if a != 0 && (a < 1e-3 || a >= 1e6) {
            return String(format: "%.3e", v).replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e")
        }
        return String(format: "%.4g", v)
    }

    static func isText(_ column: String) -> Bool {
        ["run", "method", "select_by", "status", "selection_metric", "rule", "path", "data", "started", "sizes", "complete", "by_status"].contains(column)
    }

    /// `bold`: per record, whether to emphasise it (default: where search_selection is 1).
    static func table(_ w: CSVWriter, limit: Int?, bold: [Bool]? = nil) -> String {
        var s = "<table><thead><tr>"
        for c in w.columns { s += "<th class=\"\(isText(c) ? "text" : "num")\">\(xmlEscape(c))</th>" }
        s += "</tr></thead><tbody>\n"
        let statusCol = w.columns.firstIndex(of: "status")
        let ownCol = w.columns.firstIndex(of: "search_selection")
        for (k, rec) in w.records.prefix(limit ?? Int.max).enumerated() {
            let own = bold.map { $0[k] } ?? ownCol.map { rec[$0] == "1" } ?? false
            s += own ? "<tr class=\"own\">" : "<tr>"
            for (i, v) in rec.enumerated() {
                let cls = isText(w.columns[i]) ? "text" : "num"
                let st = i == statusCol ? " status-\(xmlEscape(v))" : ""
                s += "<td class=\"\(cls)\(st)\">\(xmlEscape(display(v)))</td>"
            }
            s += "</tr>\n"
        }
        return s + "</tbody></table>"
    }

    /// The main figure's companion: a few columns of best_by_size.csv under short headers, narrow
    /// enough to sit beside the figure; the full table is further down.
    static func selectedTable(_ best: CSVWriter, runs: [SearchResults]) -> String {
        var wanted = [("run", "run"), ("size", "size"), ("selection_metric", "rule"), ("selection_value", "value"), ("row", "row"),
                      (Metric.validR2PerNeuron.rawValue, "R² per neuron"), (Metric.validR2Pooled.rawValue, "R² pooled"),
                      (Metric.validCobps.rawValue, "co-bps"), (Metric.validVelR2.rawValue, "vel R²"),
                      (Metric.validPsthR2.rawValue, "psth R²")]
        if runs.count == 1 { wanted.removeFirst() }
        // Leave out columns no row fills (real data without truth, or no held-out neurons).
        let cols = wanted.filter { c in
            guard let i = best.columns.firstIndex(of: c.0) else { return false }
            return best.records.isEmpty || best.records.contains { !$0[i].isEmpty }
        }
        let names = [SelectBy.validNLL.rawValue: "valid NLL", SelectBy.sampValidNLL.rawValue: "samp-valid NLL",
                     SelectBy.validCobps.rawValue: "co-bps", SelectionRule.oracle.name: "oracle (truth R²)"]
        var w = CSVWriter(columns: cols.map(\.1))
        let idx = cols.map { best.columns.firstIndex(of: $0.0)! }
        let rule = best.columns.firstIndex(of: "selection_metric")
        for rec in best.records { w.add(idx.map { $0 == rule ? names[rec[$0]] ?? rec[$0] : rec[$0] }) }
        let own = best.columns.firstIndex(of: "search_selection")
        let bold = best.records.map { rec in own.map { rec[$0] == "1" } ?? false }
        return "<div class=\"scroll\">" + table(w, limit: nil, bold: bold) + "</div>"
            + "<p class=\"meta\">Bold: the search's own rule (select_by); when the search has finished, that model's rates are in best/ of results.h5. "
            + "The oracle picks by the truth: an upper bound, not a usable rule. value: the rule's metric of the selected row.</p>"
    }

    static func runsTable(_ runs: [SearchResults]) -> String {
        var w = CSVWriter(columns: ["run", "method", "select_by", "sizes", "rows", "by_status", "complete", "data", "started", "path"])
        for r in runs {
            let counts = r.statusCounts.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
            let data = (r.attributes["data_path"] ?? "").split(separator: "/").last.map(String.init) ?? ""
            w.add([r.label, r.method, r.selectBy, r.sizes.map(String.init).joined(separator: ", "), "\(r.rows.count)", counts,
                   r.complete ? "yes" : "no (partial)", data, r.attributes["start_time_utc"] ?? "", r.path])
        }
        return "<div class=\"scroll\">" + table(w, limit: nil) + "</div>\n"
    }
}
