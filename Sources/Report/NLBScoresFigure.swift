import Vocabulary
/// NLB's scores against dataset size (the scaling benchmark, docs/real-data.md): co-bps, vel R² and
/// psth R² of the model each run's own rule selected per size.
extension Figures {
    static let nlbScores: [(metric: String, label: String)] = [
        (Metric.validCobps.rawValue, "co-bps (bits per spike)"), (Metric.validVelR2.rawValue, "vel R² (unitless)"),
        (Metric.validPsthR2.rawValue, "psth R² (unitless)"), (Metric.validFpbps.rawValue, "fp-bps (bits per spike)")]

    public static func nlbScoresVsSize(_ runs: [SearchResults]) -> Figure? {
        let sizes = sortedSizes(runs).map(Double.init)
        var panels: [Panel] = []
        for (metric, label) in nlbScores {
            var series: [Series] = []
            for (ri, r) in runs.enumerated() {
                guard let rule = r.availableRules.first(where: { $0.metric == r.selectBy && !$0.isOracle }) else { continue }
                let pts = r.sizes.indices.compactMap { si -> PlotPoint? in
                    guard let s = r.select(rule, size: si) else { return nil }
                    let v = r.metric(r.rows[s.index], metric)
                    return v.isFinite ? PlotPoint(Double(s.size), v) : nil
                }.sorted { $0.x < $1.x }
                if !pts.isEmpty {
                    series.append(Series(runs.count > 1 ? "\(r.label): select by \(rule.displayName)" : "select by \(rule.displayName)",
                                         pts, color: color(ri), lineWidth: 2.2, marker: .circle, markerSize: 4.5))
                }
            }
            if !series.isEmpty {
                panels.append(Panel(label, x: Axis("dataset size (training trials)", scale: .log, ticks: sizes), y: Axis(label), series: series))
            }
        }
        // Only with the scores a real recording gives beyond co-bps.
        guard panels.count > 1 else { return nil }
        return Figure(id: "fig_nlb_scores_vs_size", title: "NLB scores of the selected model against dataset size",
                      shortTitle: "NLB scores vs dataset size", panels: panels, columns: 2,
                      caption: "Per dataset size, the model the search's own rule selected, scored as the Neural Latents Benchmark scores: co-bps on the held-out neurons, vel R² of a ridge decoder fitted on that size's training trials, psth R² against NLB's smoothed-spike PSTHs, fp-bps over the forward bins, all on the full valid split. Higher is better.")
    }
}
