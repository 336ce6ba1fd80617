import Foundation
import Vocabulary

/// The report's figures (docs/search.md §7): (a) the selected model's truth metric against dataset size,
/// (b) selection metric against truth per trial, a panel per size, (c) PBT hyperparameter
/// trajectories, (d) learning curves of the selected models.
public enum Figures {
    /// Colour-blind-safe (Okabe–Ito, without black and yellow), then two neutrals.
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C564B", "#7F7F7F"]
    static func color(_ i: Int) -> String { palette[i % palette.count] }

    static func dash(_ r: SelectionRule) -> String? {
        switch r.selectBy {
        case .validNLL: return nil
        case .sampValidNLL: return "7 4"
        case .validCobps: return "2 3"
        case .validVelR2: return "9 3 2 3"
        case nil: return "1 3"
        }
    }

    /// One run: a colour per rule, the same in every figure. Several runs: a colour per run, the
    /// rule told apart by dash and marker.
    static func lineColor(_ runs: [SearchResults], _ ri: Int, _ r: SelectionRule) -> String {
        if runs.count > 1 { return color(ri) }
        if r.isOracle { return "#7F7F7F" }
        return color(SelectionRule.usable.firstIndex(of: r) ?? 0)
    }

    static func marker(_ r: SelectionRule) -> Marker {
        switch r.selectBy {
        case .validNLL: return .circle
        case .sampValidNLL: return .square
        case .validCobps: return .triangle
        case .validVelR2: return .none
        case nil: return .diamond
        }
    }

    /// The truth metric the figures plot: R² against the true rates when the data had them
    /// (synthetic), otherwise co-bps on held-out neurons; nil when a run has neither.
    public struct Truth: Sendable {
        public let metric: String
        /// `label` for a large panel, `shortLabel` for small multiples, `meaning` for captions.
        public let label: String, shortLabel: String, name: String, meaning: String
    }

    public static func truth(_ runs: [SearchResults]) -> Truth? {
        func has(_ m: Metric) -> Bool {
            runs.contains { r in r.rows.contains { $0.status == "completed" && r.metric($0, m.rawValue).isFinite } }
        }
        if has(oracleMetric) {
            return Truth(metric: oracleMetric.rawValue, label: "truth R² of rates (valid trials, mean over neurons; unitless)",
                         shortLabel: "truth R² of rates (unitless)", name: "truth R²",
                         meaning: "R² between inferred and true rates on the valid trials, averaged over neurons")
        }
        if has(.validCobps) {
            return Truth(metric: Metric.validCobps.rawValue, label: "co-bps (bits per spike, held-out neurons)",
                         shortLabel: "co-bps (bits per spike)", name: "co-bps",
                         meaning: "bits per spike on the held-out neurons")
        }
        return nil
    }

    static func metricLabel(_ m: String) -> String {
        switch Metric(rawValue: m) {
        case .validNLL?: return "valid NLL (nats per neuron-bin)"
        case .sampValidNLL?: return "sample-validation NLL (nats per neuron-bin)"
        case .validCobps?: return "co-bps (bits per spike, held-out neurons)"
        case .validVelR2?: return "vel R² (valid trials; unitless)"
        case .subsetValidCobps?: return "co-bps on the size's validation trials (bits per spike)"
        default: return m
        }
    }

    static func sortedSizes(_ runs: [SearchResults]) -> [Int] { Array(Set(runs.flatMap(\.sizes))).sorted() }

    /// All figures for these runs, in page order; figures without data are left out.
    public static func all(_ runs: [SearchResults]) -> [Figure] {
        var out: [Figure] = []
        if let t = truth(runs) {
            out.append(truthVsSize(runs, t))
            for rule in SelectionRule.usable where rule.metric != t.metric {
                if let f = selectionVsTruth(runs, rule, t) { out.append(f) }
            }
        }
        if let f = nlbScoresVsSize(runs) { out.append(f) }
        for r in runs where r.isPBT { out.append(pbtTrajectories(r)) }
        if let f = learningCurves(runs) { out.append(f) }
        return out
    }

    /// (a) The paper's main figure: per run and selection rule, the truth metric of the selected model
    /// against dataset size (log). The truth-picked oracle is a thin dotted line for scale.
    public static func truthVsSize(_ runs: [SearchResults], _ t: Truth) -> Figure {
        var series: [Series] = []
        for (ri, r) in runs.enumerated() {
            // The oracle ranks by truth R², so it has no place on a co-bps figure.
            for rule in r.availableRules where !(rule.isOracle && t.metric != SelectionRule.oracle.metric) {
                let pts = r.sizes.indices.compactMap { si -> PlotPoint? in
                    guard let s = r.select(rule, size: si) else { return nil }
                    return PlotPoint(Double(s.size), r.metric(r.rows[s.index], t.metric))
                }.sorted { $0.x < $1.x }
                let ownRule = rule.metric == r.selectBy && !rule.isOracle ? " (the search's rule)" : ""
                let name = (runs.count > 1 ? "\(r.label): " : "")
                    + (rule.isOracle ? "best \(t.name) of any trial (oracle)" : "select by \(rule.displayName)\(ownRule)")
                series.append(Series(name, pts, color: lineColor(runs, ri, rule), lineWidth: rule.isOracle ? 1.5 : 2.2,
                                     dash: dash(rule), marker: marker(rule), markerSize: rule.isOracle ? 3 : 4.5,
                                     opacity: rule.isOracle ? 0.8 : 1))
            }
        }
        let sizes = sortedSizes(runs).map(Double.init)
        let panel = Panel("selected model per dataset size",
                          x: Axis("dataset size (training trials)", scale: .log, ticks: sizes),
                          y: Axis(t.shortLabel), series: series)
        return Figure(id: "fig_a_truth_vs_size", title: "(a) Selected model's \(t.name) against dataset size",
                      shortTitle: "(a) \(t.name) vs dataset size",
                      panels: [panel], columns: 1, panelWidth: 660, panelHeight: 420,
                      caption: "One line per run and selection rule: at each dataset size the rule picks one trained model, and the line shows how close its inferred rates are to the truth (\(t.meaning)). Higher is better. The dotted oracle picks by the truth itself, an upper bound no real selection reaches.")
    }

    /// (b) Whether a selection metric can be trusted: each completed trial's metric against its truth
    /// metric, a panel per dataset size; the model the rule selects is ringed.
    public static func selectionVsTruth(_ runs: [SearchResults], _ rule: SelectionRule, _ t: Truth) -> Figure? {
        let withRule = runs.filter { $0.availableRules.contains(rule) }
        guard !withRule.isEmpty else { return nil }
        // R² has no lower bound; below −1 a model is far worse than predicting each neuron's mean,
        // and how much worse does not matter for judging the selection metric.
        let floor: Double? = t.metric == oracleMetric.rawValue ? -1 : nil
        let clipped = floor.map { fl in withRule.contains { r in r.rows.contains { r.metric($0, t.metric) < fl } } } ?? false
        var panels: [Panel] = []
        for size in sortedSizes(withRule) {
            var series: [Series] = []
            var n = 0
            for (ri, r) in runs.enumerated() where withRule.contains(where: { $0.path == r.path && $0.label == r.label }) {
                guard let si = r.sizes.firstIndex(of: size) else { continue }
                let done = r.rows.filter { $0.sizeIndex == si && $0.status == "completed" }
                n += done.count
                let pts = done.map { PlotPoint(r.metric($0, rule.rankBy), r.metric($0, t.metric)) }
                let sel = r.select(rule, size: si).map { [PlotPoint($0.value, r.metric(r.rows[$0.index], t.metric))] } ?? []
                series.append(Series(runs.count > 1 ? r.label : "completed trials", pts, color: color(ri), lineWidth: 0,
                                     marker: .circle, markerSize: 3.5, opacity: 0.75, ringed: sel))
            }
            panels.append(Panel("size \(size) training trials (\(n) completed)",
                                x: Axis(metricLabel(rule.rankBy)), y: Axis(t.shortLabel, floor: floor), series: series))
        }
        let pbt = runs.contains { $0.isPBT } ? " PBT runs show every member in every generation." : ""
        return Figure(id: "fig_b_\(rule.metric)_vs_truth",
                      title: "(b) \(rule.displayName.prefix(1).uppercased() + rule.displayName.dropFirst()) against \(t.name), every trial",
                      shortTitle: "(b) \(rule.displayName) vs \(t.name)",
                      panels: panels, columns: 3, panelWidth: 380, panelHeight: 300,
                      extraLegend: [LegendEntry("ringed: the model selected by \(rule.displayName)", color: "#444", lineWidth: 0,
                                                marker: .circle, ring: true)],
                      caption: "A trustworthy selection metric falls as the truth rises (\(rule.higherIsBetter ? "higher" : "lower") \(rule.displayName) is better), so the selected, ringed model sits near the top of its panel.\(pbt)"
                        + (clipped ? " Trials with R² below −1 are drawn on the panel's lower edge as open triangles." : ""))
    }

    /// (c) PBT: each hyperparameter (and the fitness) per generation, a thin line per population slot
    /// and a thick line along the lineage of the selected model; a row of panels per size.
    public static func pbtTrajectories(_ r: SearchResults) -> Figure {
        let quantities = [r.selectBy] + r.hpNames
        var panels: [Panel] = []
        let rule = SelectionRule.usable.first { $0.metric == r.selectBy }
        // One scale per quantity across sizes, so a column of panels reads the same way: log where
        // its values, over all sizes, span a decade or more (log-uniform ranges such as lr, KL, L2).
        var scales: [String: Axis.Scale] = [:]
        for q in quantities {
            let v = r.rows.map { q == r.selectBy ? r.metric($0, q) : r.hp($0, q) }.filter(\.isFinite)
            scales[q] = !v.isEmpty && v.allSatisfy({ $0 > 0 }) && v.max()! / v.min()! >= 10 ? .log : .linear
        }
        for si in r.sizes.indices {
            let atSize = r.rows.indices.filter { r.rows[$0].sizeIndex == si }
            let members = Array(Set(atSize.map { r.rows[$0].trial })).sorted()
            let lineage = rule.flatMap { r.select($0, size: si) }.map { r.lineage($0.index) } ?? []
            for q in quantities {
                func value(_ k: Int) -> Double { q == r.selectBy ? r.metric(r.rows[k], q) : r.hp(r.rows[k], q) }
                var series: [Series] = members.map { m in
                    let ks = atSize.filter { r.rows[$0].trial == m }.sorted { r.rows[$0].generation < r.rows[$1].generation }
                    return Series("member \(m)", ks.map { PlotPoint(Double(r.rows[$0].generation), value($0)) },
                                  color: color(m), lineWidth: 1.1, marker: .circle, markerSize: 2, opacity: 0.55, inLegend: false)
                }
                if !lineage.isEmpty {
                    series.append(Series("lineage of the selected model", lineage.map { PlotPoint(Double(r.rows[$0].generation), value($0)) },
                                         color: "#111111", lineWidth: 2.6, marker: .circle, markerSize: 3.2))
                }
                let label = q == r.selectBy ? "nats per neuron-bin" : "\(q) (unitless)"
                let gens = atSize.map { r.rows[$0].generation }
                let ticks = (gens.max() ?? 0) <= 12 ? Array(Set(gens)).sorted().map(Double.init) : nil
                panels.append(Panel("size \(r.sizes[si]): \(q == r.selectBy ? rule?.displayName ?? q : q)",
                                    x: Axis("generation", ticks: ticks), y: Axis(label, scale: scales[q]!), series: series))
            }
        }
        let safe = r.label.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        return Figure(id: "fig_c_pbt_\(String(safe))", title: "(c) PBT trajectories over generations: \(r.label)",
                      shortTitle: "(c) PBT \(r.label)",
                      panels: panels, columns: min(quantities.count, 4), panelWidth: 330, panelHeight: 250,
                      extraLegend: [LegendEntry("population members (a colour each)", color: color(0), lineWidth: 1.1, marker: .circle)],
                      caption: "Each thin line is one population slot; a jump is an exploit step that copied a better member and perturbed its hyperparameters. The thick line follows the generations the selected model's weights came through.")
    }

    /// (d) Learning curves: valid NLL per epoch of each selected model, a panel per size. Rules that
    /// select the same row share one curve, named after all of them.
    public static func learningCurves(_ runs: [SearchResults]) -> Figure? {
        var panels: [Panel] = []
        for size in sortedSizes(runs) {
            var series: [Series] = []
            for (ri, r) in runs.enumerated() {
                guard let si = r.sizes.firstIndex(of: size) else { continue }
                // A curve per rule, styled as in figure (a); where two rules pick the same model the
                // dashed curve lies on the solid one.
                for rule in r.availableRules where !rule.isOracle {
                    guard let s = r.select(rule, size: si) else { continue }
                    let pts = r.curve(s.index, HistoryColumn.validRecon.rawValue).enumerated().map { PlotPoint(Double($0.offset), $0.element) }
                    guard pts.contains(where: { $0.y.isFinite }) else { continue }
                    let name = (runs.count > 1 ? "\(r.label): " : "") + "selected by \(rule.displayName)"
                    series.append(Series(name, pts, color: lineColor(runs, ri, rule), lineWidth: 1.8, dash: dash(rule), marker: .none))
                }
            }
            if !series.isEmpty {
                panels.append(Panel("size \(size) training trials", x: Axis("epoch"),
                                    y: Axis("valid NLL (nats per neuron-bin)", scale: .auto), series: series))
            }
        }
        guard !panels.isEmpty else { return nil }
        return Figure(id: "fig_d_learning_curves", title: "(d) Learning curves of the selected models",
                      shortTitle: "(d) learning curves",
                      panels: panels, columns: 3, panelWidth: 380, panelHeight: 280,
                      caption: "Validation reconstruction NLL after every epoch (unsmoothed). PBT models show their whole lineage, generation after generation.")
    }
}
