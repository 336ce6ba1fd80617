import Foundation

extension SearchResults {
    /// Rows per status name, in the order pending, running, completed, diverged, failed, others.
    public var statusCounts: [(String, Int)] {
        let order = ["pending", "running", "completed", "diverged", "failed"]
        let names = order + Set(rows.map(\.status)).subtracting(order).sorted()
        return names.map { n in (n, rows.filter { $0.status == n }.count) }.filter { $0.1 > 0 }
    }

    /// What this file does not (yet) hold, one sentence each, for the page and the command's output.
    /// Empty for a finished search whose every size has a selected model.
    public var missing: [String] {
        var out: [String] = []
        let unfinished = rows.filter { $0.status == "pending" || $0.status == "running" }
        let dir = (path as NSString).deletingLastPathComponent
        if !complete {
            let counts = statusCounts.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
            var s = "\(label): the search has not finished (complete = 0; still running, or stopped): "
                + "\(rows.count - unfinished.count) of \(rows.count) rows done so far (\(counts))"
            if isAsyncPBT { s += "; asynchronous PBT adds a member's next interval when it finishes one, so more will follow" }
            else if isPBT { s += "; PBT adds each generation's rows when the previous one closes, so more will follow" }
            s += ". Tables and figures show the rows done so far; `spikesae search --resume \(dir)` continues it."
            out.append(s)
            if isPBT && !isAsyncPBT {
                for si in sizes.indices {
                    guard let g = rows.filter({ $0.sizeIndex == si }).map(\.generation).max() else { continue }
                    let gen = rows.filter { $0.sizeIndex == si && $0.generation == g }
                    let done = gen.filter { $0.status != "pending" && $0.status != "running" }.count
                    if done < gen.count {
                        out.append("\(label): size \(sizes[si]): generation \(g) has \(done) of \(gen.count) members done.")
                    }
                }
            }
            out.append("\(label): the selected models' rates (best/ in results.h5) are written when the search finishes; "
                       + "the selections in best_by_size.csv are among the rows done so far.")
        }
        for si in sizes.indices where candidates(size: si).isEmpty {
            let atSize = rows.filter { $0.sizeIndex == si }
            let why = atSize.allSatisfy { $0.status == "pending" || $0.status == "running" } ? "no trial has finished yet"
                : "no trial completed (\(atSize.filter { $0.status == "diverged" }.count) diverged, \(atSize.filter { $0.status == "failed" }.count) failed)"
            out.append("\(label): size \(sizes[si]): \(why), so it has no selected model.")
        }
        // A consistency check of the reader against the search: both apply the same rule.
        for (si, b) in best.sorted(by: { $0.key < $1.key }) {
            guard let rule = SelectionRule.usable.first(where: { $0.metric == b.selectBy }),
                  let mine = select(rule, size: si) else { continue }
            if rows[mine.index].row != b.row {
                out.append("\(label): size \(sizes.indices.contains(si) ? sizes[si] : si): results.h5 records row \(b.row) as selected "
                           + "by \(b.selectBy), but the rows select row \(rows[mine.index].row); best_by_size.csv shows the latter.")
            }
        }
        return out
    }
}
