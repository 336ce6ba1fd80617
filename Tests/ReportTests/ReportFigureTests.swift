import Foundation
#if canImport(FoundationXML)
import FoundationXML  // XMLParser lives here on Linux
#endif
import Testing
@testable import Report

/// Parses XML and collects what the tests look for: element counts and the data-series,
/// data-panel and data-figure attributes the renderer sets.
final class XMLSummary: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    var series: [String] = [], panels: [String] = [], figures: [String] = []
    var text = ""
    private(set) var error: Error?

    static func parse(_ data: Data) -> XMLSummary {
        let s = XMLSummary()
        let p = XMLParser(data: data)
        p.delegate = s
        if !p.parse() { s.error = p.parserError ?? NSError(domain: "xml", code: 1) }
        return s
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements[name, default: 0] += 1
        if name == "g", attributes["class"] == "series", let n = attributes["data-series"] { series.append(n) }
        if name == "g", attributes["class"] == "panel", let n = attributes["data-panel"] { panels.append(n) }
        if name == "svg", let n = attributes["data-figure"] { figures.append(n) }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
}

@Suite(.serialized)
struct ReportFigureTests {
    static func svg(_ out: String, _ id: String) throws -> XMLSummary {
        let s = XMLSummary.parse(try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(id).svg")))
        #expect(s.error == nil, "\(id).svg does not parse: \(String(describing: s.error))")
        return s
    }

    @Test func everySVGParsesAndHoldsTheExpectedSeries() throws {
        let (out, summary) = try ReportTableTests.report.get()
        let svgs = summary.files.filter { $0.hasSuffix(".svg") }.map { String($0.dropLast(4)) }
        #expect(Set(svgs) == ["fig_a_truth_vs_size", "fig_b_valid_nll_vs_truth", "fig_b_samp_valid_nll_vs_truth",
                              "fig_c_pbt_pbt", "fig_d_learning_curves"])
        for id in svgs { #expect(try Self.svg(out, id).elements["svg"] == 1) }

        // (a): a line per run and rule, plus each run's oracle; a log size axis ticked at the sizes.
        let a = try Self.svg(out, "fig_a_truth_vs_size")
        #expect(Set(a.series) == ["random: select by valid NLL (the search's rule)", "random: select by sample-validation NLL",
                                  "random: best truth R² of any trial (oracle)",
                                  "pbt: select by valid NLL", "pbt: select by sample-validation NLL (the search's rule)",
                                  "pbt: best truth R² of any trial (oracle)"])
        #expect(a.text.contains("dataset size (training trials) (log scale)"))
        #expect(a.text.contains("truth R² of rates (unitless)"))
        let sizes = try ResultsReader.read(try SearchFixture.random.get()).sizes
        for n in sizes { #expect(a.text.contains("\(n)")) }

        // (b): a panel per size, a series per run.
        let b = try Self.svg(out, "fig_b_valid_nll_vs_truth")
        #expect(b.panels.count == Set(sizes).count)
        #expect(b.series.filter { $0 == "random" }.count == sizes.count)
        #expect((b.elements["circle"] ?? 0) > 0)

        // (c): PBT only: per size, the fitness and each searched hyperparameter; members and the selected lineage.
        let c = try Self.svg(out, "fig_c_pbt_pbt")
        #expect(c.panels.count == 2 * 3)
        let ps = try ResultsReader.read(try SearchFixture.pbt.get()).sizes
        #expect(c.panels.contains("size \(ps[0]): lr") && c.panels.contains("size \(ps[1]): kl_co_scale"))
        #expect(c.panels.contains("size \(ps[0]): sample-validation NLL"))
        #expect(c.series.filter { $0 == "lineage of the selected model" }.count == 6)
        #expect(Set(c.series.filter { $0.hasPrefix("member ") }) == ["member 0", "member 1", "member 2"])
        #expect(c.text.contains("generation"))

        // (d): a curve per selected model, a panel per size.
        let d = try Self.svg(out, "fig_d_learning_curves")
        #expect(d.panels.count == 2)
        #expect(d.series.contains("random: selected by valid NLL") && d.series.contains("pbt: selected by sample-validation NLL"))
        #expect(d.text.contains("epoch"))
    }

    @Test func theHTMLPageIsWellFormedSelfContainedAndShowsFiguresBesideTables() throws {
        let (out, summary) = try ReportTableTests.report.get()
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/index.html"))
        let html = XMLSummary.parse(data)
        #expect(html.error == nil, "index.html is not well-formed: \(String(describing: html.error))")
        let figs = summary.files.filter { $0.hasSuffix(".svg") }.count
        #expect(html.elements["svg"] == figs)
        #expect(html.figures.count == figs)
        #expect(html.elements["table"] ?? 0 >= 4)   // runs, selected models, best_by_size, trials
        let text = String(decoding: data, as: UTF8.self)
        // Nothing is fetched: no scripts, no external styles or images.
        #expect(!text.contains("<script") && !text.contains("<img") && !text.contains("<link"))
        #expect(!text.contains("http://") || text.components(separatedBy: "http://").dropFirst().allSatisfy {
            $0.hasPrefix("www.w3.org/") })
        #expect(text.contains("class=\"pair\""))
        #expect(html.text.contains("trials.csv (\(summary.trialRows) rows)"))
        #expect(html.text.contains("best_by_size.csv (\(summary.bestRows) rows)"))
    }

    @Test func axesTicksAndEscapingBehave() {
        #expect(Scale.logTicks(log10(40.0), log10(80.0)) == [50])
        #expect(Scale.logTicks(-6, -2) == [1e-6, 1e-5, 1e-4, 1e-3, 1e-2])
        let lin = Scale.linearTicks(0.15, 0.9)
        #expect(lin.count == 4 && abs(lin[0] - 0.2) < 1e-12 && abs(lin[3] - 0.8) < 1e-12)
        #expect(tickLabel(0.5395, step: 0.0005) == "0.5395")
        #expect(tickLabel(0.54, step: 0.0005) == "0.5400")
        #expect(tickLabel(1e-5) == "1e-5")
        #expect(tickLabel(192) == "192")
        #expect(xmlEscape("a<b & \"c\"") == "a&lt;b &amp; &quot;c&quot;")
        // Auto axes go log only for positive values spanning decades.
        let lr = Scale(axis: Axis("lr", scale: .auto), values: [1e-5, 1e-3], pixels: (0, 100))
        let r2 = Scale(axis: Axis("R²", scale: .auto), values: [-0.5, 0.9], pixels: (0, 100))
        #expect(lr.log && !r2.log)
        // A NaN breaks a line into two pieces.
        let fig = Figure(id: "t", title: "t", shortTitle: "t", panels: [
            Panel("p", x: Axis("x", scale: .log), y: Axis("y"),
                  series: [Series("s", [PlotPoint(1, 1), PlotPoint(2, 2), PlotPoint(3, .nan), PlotPoint(4, 1), PlotPoint(5, 2)],
                                  color: "#000")])])
        let svg = fig.svg()
        #expect(XMLSummary.parse(Data(svg.utf8)).error == nil)
        let path = svg.components(separatedBy: "<path d=\"")[1].components(separatedBy: "\"")[0]
        #expect(path.filter { $0 == "M" }.count == 2 && path.filter { $0 == "L" }.count == 2)
    }
}

/// Real data have no truth rates: with held-out neurons the figures plot co-bps instead, and
/// selecting by co-bps picks the highest value.
struct CobpsFigureTests {
    static func fake() -> SearchResults {
        let metrics = ["valid_nll", "samp_valid_nll", "valid_cobps", "subset_valid_cobps", "valid_r2_per_neuron"]
        // (size index, valid NLL, co-bps on the full valid split, co-bps on the size's own valid
        // trials) per row; R² is NaN throughout, as for real data. The full-split co-bps would pick
        // other rows (0 and 1) than the subset's, which the search ranks by.
        let spec: [(Int, Double, Double, Double)] = [(0, 0.50, 0.30, 0.21), (1, 0.61, 0.15, 0.10), (0, 0.52, 0.20, 0.25),
                                                     (1, 0.60, 0.11, 0.12), (0, 0.49, 0.22, 0.18)]
        let rows = spec.enumerated().map { k, s in
            TrialRow(row: k, sizeIndex: s.0, size: [100, 50][s.0], trial: k / 2, generation: 0, status: "completed", seed: k,
                     parent: -1, hps: [0.01], metrics: [s.1, .nan, s.2, s.3, .nan], fitness: -s.3)
        }
        return SearchResults(path: "/data/real-run/results.h5", label: "real-run", method: "random", selectBy: "valid_cobps",
                             complete: true, sizes: [100, 50], hpNames: ["lr"], metricNames: metrics, historyColumns: [],
                             rows: rows, history: [:], best: [0: StoredBest(row: 2, fitness: -0.25, selectBy: "valid_cobps")],
                             attributes: [:])
    }

    @Test func coBpsReplacesTruthR2AndIsMaximised() throws {
        let r = Self.fake()
        #expect(r.availableRules.map(\.name) == ["valid_nll", "valid_cobps"])
        #expect(r.select(SelectionRule.usable[2], size: 0)?.index == 2)
        #expect(r.select(SelectionRule.usable[0], size: 0)?.index == 4)
        #expect(r.missing.isEmpty)
        let t = try #require(Figures.truth([r]))
        #expect(t.metric == "valid_cobps")
        let figs = Figures.all([r])
        #expect(figs.map(\.id) == ["fig_a_truth_vs_size", "fig_b_valid_nll_vs_truth"])
        let a = XMLSummary.parse(Data(figs[0].svg().utf8))
        #expect(a.error == nil)
        #expect(Set(a.series) == ["select by valid NLL", "select by co-bps (the search's rule)"])
        #expect(a.text.contains("co-bps (bits per spike)"))
        let best = Tables.bestBySize([r])
        let own = best.records.filter { $0[best.columns.firstIndex(of: "search_selection")!] == "1" }
        #expect(own.map { $0[best.columns.firstIndex(of: "row")!] } == ["2", "3"])
    }
}
