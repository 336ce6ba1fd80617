import LFADS

/// How many train trials of each session a dataset size takes in a stitched search (docs/search.md §8).
public enum SessionSubsets {
    /// Per-session trial counts of one size, for sessions with `K` train trials each.
    /// A fraction f (≤ 1) takes round(f·K_s) of every session (NestedSubsets.count, at least 1).
    /// A count n (> 1) takes the first n trials of one merged order in which session s's j-th trial
    /// has key (j + ½)/K_s, ties to the lower session: Webster's divisor method. Each session gets
    /// within about one trial of n·K_s/ΣK, and, unlike largest remainders (the Alabama paradox), a
    /// larger n never takes a trial away from a session, so the subsets stay nested. A count above
    /// ΣK is capped there; SearchRun reports it as an error first.
    public static func counts(_ size: Double, of K: [Int]) -> [Int] {
        if size <= 1 { return K.map { NestedSubsets.count(size, of: $0) } }
        let n = min(Int(size), K.reduce(0, +))
        var keys: [(key: Double, session: Int)] = []
        for (s, k) in K.enumerated() { for j in 0..<k { keys.append(((Double(j) + 0.5) / Double(k), s)) } }
        keys.sort { $0.key != $1.key ? $0.key < $1.key : $0.session < $1.session }
        var out = [Int](repeating: 0, count: K.count)
        for e in keys.prefix(n) { out[e.session] += 1 }
        return out
    }

    /// Valid trials of session s used with `train` of its K train trials: as the single-session
    /// search, the same fraction of the session's V valid trials (at least 1) when subsampling, else all.
    public static func validCount(train n: Int, of K: Int, valid V: Int, subsample: Bool) -> Int {
        subsample ? min(max(Int((Double(n) / Double(K) * Double(V)).rounded()), 1), V) : V
    }
}
