import LFADS

/// Nested, seeded dataset-size subsets (docs/data.md §5): one ordering of a split's trials,
/// of which every size takes a prefix, so every smaller subset lies inside every larger one.
public enum NestedSubsets {
    /// Positions into the split, in subset order. Depends only on (seed, split, inds, conditions).
    /// With conditions: stratified, so every prefix is within about one trial of proportional.
    /// `session` s of a stitched search keys its streams by split + s·2^40 (docs/search.md §8), so
    /// session 0 orders as a single-session search does and a session's order ignores the others.
    public static func order(inds: [Int], conditions: [Int]?, seed: UInt64, split splitID: Int, session: Int = 0) -> [Int] {
        let split = UInt64(splitID) + (UInt64(session) << 40)
        guard let conditions else {
            // Start from the inds' order, so the result depends on the trials, not on how the split lists them.
            var order = inds.indices.sorted { inds[$0] < inds[$1] }
            var r = keyedStream(seed: seed, .subset, split)
            shuffle(&order, using: &r)
            return order
        }
        var byCondition: [Int: [Int]] = [:]
        for (pos, c) in conditions.enumerated() { byCondition[c, default: []].append(pos) }
        var keyed: [(key: Double, ind: Int, pos: Int)] = []
        for c in byCondition.keys.sorted() {
            var members = byCondition[c]!.sorted { inds[$0] < inds[$1] }
            var r = keyedStream(seed: seed, .subset, split, 1, UInt64(c))
            shuffle(&members, using: &r)
            let n = Double(members.count)
            for (j, pos) in members.enumerated() {
                var u = keyedStream(seed: seed, .subset, split, 2, UInt64(inds[pos]))
                keyed.append(((Double(j) + u.uniform()) / n, inds[pos], pos))
            }
        }
        keyed.sort { $0.key != $1.key ? $0.key < $1.key : $0.ind < $1.ind }
        return keyed.map(\.pos)
    }

    /// Trials of a size given as a fraction (≤ 1) or a count (> 1) of `total`; at least 1.
    public static func count(_ size: Double, of total: Int) -> Int {
        let n = size <= 1 ? Int((size * Double(total)).rounded(.toNearestOrEven)) : Int(size)
        return min(max(n, 1), total)
    }
}
