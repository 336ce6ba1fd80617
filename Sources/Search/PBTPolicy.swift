import Config
import Foundation
import LFADS

/// Population-based training decisions (docs/search.md §4), pure and seeded: the same fitness values
/// give the same decisions whatever ran them.
public struct PBTPolicy: Sendable {
    public let space: [String: ParameterRange]
    public let seed: Int

    public init(space: [String: ParameterRange], seed: Int) { self.space = space; self.seed = seed }

    /// Binary tournament: member i is compared with one random other; if that one is strictly better
    /// (lower fitness), i copies it. Non-finite fitness always loses. Returns loser → winner.
    public func exploit(fitness: [Double], size: Int, generation: Int) -> [Int: Int] {
        var g = keyedStream(seed: UInt64(seed), .search, 3, UInt64(size), UInt64(generation))
        var copies: [Int: Int] = [:]
        let n = fitness.count
        for i in 0..<n where n > 1 {
            var j = Int(g.next() % UInt64(n - 1))
            if j >= i { j += 1 }
            let fi = fitness[i], fj = fitness[j]
            let jBetter = fj.isFinite && (!fi.isFinite || fj < fi)
            if jBetter { copies[i] = j }
        }
        return copies
    }

    /// The share of the reported members that forms each of the bottom and top quantiles of the
    /// asynchronous exploit (Ray Tune's default).
    public static let quantileFraction = 0.25

    /// Asynchronous exploit (docs/search.md §4), Ray Tune's rule: member `member` has just finished
    /// interval `interval`; the members that have reported (`latest` non-nil: their latest
    /// fitness, NaN for a failed or diverged interval) are ranked, ties by member number. If
    /// `member` is among the worst ⌈¼·n⌉ (at most ⌊n/2⌋), it copies one member of the best
    /// ⌈¼·n⌉ whose latest interval completed with a finite fitness, drawn from a stream keyed by
    /// (seed, size, member, interval), so the decision depends on the scores it sees, not on time.
    /// Returns that member, or nil: no copy.
    public func exploitAsync(member: Int, interval: Int, latest: [Double?], size: Int) -> Int? {
        let reported = latest.indices.filter { latest[$0] != nil }
        guard reported.count > 1, latest[member] != nil else { return nil }
        func rank(_ f: Double) -> Double { f.isFinite ? f : .infinity }
        let order = reported.sorted { (rank(latest[$0]!), $0) < (rank(latest[$1]!), $1) }
        var q = Int((Double(order.count) * Self.quantileFraction).rounded(.up))
        q = min(q, order.count / 2)
        guard q > 0, order.suffix(q).contains(member) else { return nil }
        let top = order.prefix(q).filter { latest[$0]!.isFinite && $0 != member }
        guard !top.isEmpty else { return nil }
        var g = keyedStream(seed: UInt64(seed), .search, 7, UInt64(size), UInt64(interval << 20 | member))
        return top[Int(g.next() % UInt64(top.count))]
    }

    /// Multiplies each searched hyperparameter by a random factor in log space up to ×explore,
    /// clipped to its limits; returns the new values and a description of each change.
    public func explore(_ hp: Hyperparameters, size: Int, generation: Int, member: Int) throws
        -> (Hyperparameters, [String]) {
        var out = hp
        var notes: [String] = []
        var g = keyedStream(seed: UInt64(seed), .search, 4, UInt64(size), UInt64(generation << 20 | member))
        for name in space.keys.sorted() {
            let r = space[name]!
            if r.distribution == .choice {
                let v = draw(r, using: &g)
                try out.set(name, v); notes.append("\(name) = \(v)")
                continue
            }
            guard case .double(let old)? = hp[name] else { continue }
            let f = Foundation.exp((2 * g.uniform() - 1) * Foundation.log(r.explore))
            let new = min(max(old * f, r.min), r.max)
            try out.set(name, .double(new))
            notes.append(String(format: "%@ × %.3f", name, new / max(old, .leastNonzeroMagnitude)))
        }
        return (out, notes)
    }

    /// Initial hyperparameters of a member: `init` where given, else a draw from the range.
    public func initial(base: Hyperparameters, size: Int, member: Int) throws -> Hyperparameters {
        var hp = base
        var g = keyedStream(seed: UInt64(seed), .search, 5, UInt64(size), UInt64(member))
        for name in space.keys.sorted() {
            let r = space[name]!
            let v = draw(r, using: &g)
            try hp.set(name, r.initial.map { .double($0) } ?? v)
        }
        var sg = keyedStream(seed: UInt64(seed), .search, 6, UInt64(size), UInt64(member))
        hp.seed = Int(sg.next() >> 33)
        return hp
    }

    /// Stop after maxGenerations, or when the best fitness improved by at most `minImprovement`
    /// (relative) over the last `patience` generations. `best[g]` is the best fitness after generation g.
    public static func shouldStop(best: [Double], maxGenerations: Int, minImprovement: Double, patience: Int) -> Bool {
        if best.count >= maxGenerations { return true }
        guard best.count > patience else { return false }
        let now = best[best.count - 1], then = best[best.count - 1 - patience]
        guard now.isFinite, then.isFinite else { return false }
        return (then - now) <= minImprovement * abs(then)
    }
}
