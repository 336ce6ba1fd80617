import Foundation
import Vocabulary

/// A rule that picks one model per dataset size from a search's rows: a search's own `select_by`
/// (Vocabulary.SelectBy, the same rule the search applied), or the truth-based oracle.
public struct SelectionRule: Sendable, Equatable, Hashable {
    /// The search rule, nil for the oracle.
    public let selectBy: SelectBy?
    /// The rule's name: the `select_by` value, and the metric column reported for the chosen row.
    public let metric: String
    /// The column the rule ranks by (see SelectBy.rankBy).
    public let rankBy: String
    public let higherIsBetter: Bool
    /// True for the truth-based "oracle": what a perfect selection would pick. It is an upper bound
    /// to compare the usable rules with, never a rule one could apply to real data.
    public var isOracle: Bool { selectBy == nil }

    /// The rules a search can select by (docs/search.md §4), in the order tables and legends list them.
    public static let usable: [SelectionRule] = SelectBy.allCases.map(SelectionRule.init)
    public static let oracle = SelectionRule(selectBy: nil, metric: oracleMetric.rawValue, rankBy: oracleMetric.rawValue,
                                             higherIsBetter: true)

    init(_ rule: SelectBy) {
        self.init(selectBy: rule, metric: rule.reported.rawValue, rankBy: rule.rankBy.rawValue, higherIsBetter: rule.higherIsBetter)
    }

    private init(selectBy: SelectBy?, metric: String, rankBy: String, higherIsBetter: Bool) {
        self.selectBy = selectBy; self.metric = metric; self.rankBy = rankBy; self.higherIsBetter = higherIsBetter
    }

    /// The name in best_by_size.csv's selection_metric column.
    public var name: String { isOracle ? "oracle_" + metric : metric }

    public var displayName: String { selectBy?.displayName ?? "best truth R² (oracle)" }
}

/// The model one rule selects at one size of one run.
public struct Selected: Sendable {
    public let rule: SelectionRule
    public let sizeIndex: Int, size: Int
    /// Index into `SearchResults.rows`.
    public let index: Int
    public let value: Double
    /// Completed rows the choice was made among (PBT: those of the last generation).
    public let candidates: Int
}

extension SearchResults {
    /// Rows a selection at size `si` may pick: completed ones and, for PBT, only the last generation
    /// with a completed member, because only the final population's weights are kept (the same rule
    /// as Search/SearchPlan.selected()).
    public func candidates(size si: Int) -> [Int] {
        var c = rows.indices.filter { rows[$0].sizeIndex == si && rows[$0].status == "completed" }
        if isAsyncPBT {
            // Members end at different intervals: each member's latest completed row.
            var latest: [Int: Int] = [:]
            for k in c where latest[rows[k].trial].map({ rows[$0].generation < rows[k].generation }) ?? true { latest[rows[k].trial] = k }
            return latest.values.sorted()
        }
        if isPBT, let last = c.map({ rows[$0].generation }).max() { c = c.filter { rows[$0].generation == last } }
        return c
    }

    /// The rules with a finite value in at least one completed row: a run without sample validation
    /// or held-out neurons has no samp_valid_nll or co-bps to select by.
    public var availableRules: [SelectionRule] {
        let done = rows.filter { $0.status == "completed" }
        var rules = SelectionRule.usable.filter { rule in done.contains { metric($0, rule.rankBy).isFinite } }
        if done.contains(where: { metric($0, SelectionRule.oracle.metric).isFinite }) { rules.append(.oracle) }
        return rules
    }

    /// The row `rule` picks at size `si`; ties go to the earlier row, as in the search itself.
    public func select(_ rule: SelectionRule, size si: Int) -> Selected? {
        let cands = candidates(size: si)
        var best: (Int, Double)? = nil
        for k in cands {
            let v = metric(rows[k], rule.rankBy)
            guard v.isFinite else { continue }
            if let b = best, rule.higherIsBetter ? v <= b.1 : v >= b.1 { continue }
            best = (k, v)
        }
        guard let (k, v) = best else { return nil }
        return Selected(rule: rule, sizeIndex: si, size: sizes.indices.contains(si) ? sizes[si] : rows[k].size,
                        index: k, value: v, candidates: cands.count)
    }

    /// Every (size, rule) selection, sizes in index order, rules in `availableRules` order.
    public var selections: [Selected] {
        sizes.indices.flatMap { si in availableRules.compactMap { select($0, size: si) } }
    }

    /// PBT: the row indices of the lineage that ends in row index `k`, oldest first. Each generation's
    /// `parent` names the member whose weights it copied (−1: its own), so walking back one
    /// generation at a time recovers the path the selected model's weights took.
    /// Asynchronous PBT rows name the row they started from (`start_row`) instead.
    public func lineage(_ k: Int) -> [Int] {
        var out = [k]
        var cur = rows[k]
        if cur.startRow != nil {
            while let s = cur.startRow, s >= 0, let prev = indexOfRow[s], !out.contains(prev) {
                out.append(prev)
                cur = rows[prev]
            }
            return out.reversed()
        }
        while cur.generation > 0 {
            let member = cur.parent >= 0 ? cur.parent : cur.trial
            guard let prev = rowIndex[RowKey(sizeIndex: cur.sizeIndex, generation: cur.generation - 1, trial: member)] else { break }
            out.append(prev)
            cur = rows[prev]
        }
        return out.reversed()
    }
}
