import Testing
import LFADS
@testable import Search

/// Dataset-size subsets of a stitched search (docs/search.md §8): how a size splits over sessions,
/// and each session's own nested ordering.
@Suite struct SessionSubsetTests {
    /// Sessions of uneven sizes, where largest remainders would take trials away as n grows.
    static let K = [7, 13, 29, 4]

    @Test func aCountSplitsInProportionSumsToItAndNeverShrinksASession() {
        let total = Self.K.reduce(0, +)
        var last = [Int](repeating: 0, count: Self.K.count)
        for n in 2...total {
            let c = SessionSubsets.counts(Double(n), of: Self.K)
            #expect(c.reduce(0, +) == n)
            for s in Self.K.indices {
                let quota = Double(n) * Double(Self.K[s]) / Double(total)
                #expect(abs(Double(c[s]) - quota) <= 1, "n \(n): session \(s) gets \(c[s]) for quota \(quota)")
                // Nested: a larger size contains every trial of a smaller one, session by session.
                #expect(c[s] >= last[s], "n \(n): session \(s) drops from \(last[s]) to \(c[s])")
            }
            last = c
        }
        #expect(last == Self.K)
        #expect(SessionSubsets.counts(Double(total + 5), of: Self.K) == Self.K)
    }

    @Test func aFractionTakesItsShareOfEverySession() {
        #expect(SessionSubsets.counts(0.5, of: Self.K) == [4, 6, 14, 2])
        #expect(SessionSubsets.counts(1.0, of: Self.K) == Self.K)
        #expect(SessionSubsets.counts(0.01, of: Self.K) == [1, 1, 1, 1])
    }

    @Test func validSubsetsFollowTheTrainFraction() {
        #expect(SessionSubsets.validCount(train: 10, of: 40, valid: 8, subsample: true) == 2)
        #expect(SessionSubsets.validCount(train: 1, of: 40, valid: 8, subsample: true) == 1)
        #expect(SessionSubsets.validCount(train: 10, of: 40, valid: 8, subsample: false) == 8)
    }

    /// Session 0 orders as a single-session search does; another session's order is its own, so
    /// adding a session leaves the others' subsets as they were.
    @Test(arguments: [false, true])
    func sessionOrdersAreKeyedByTheSessionIndex(stratified: Bool) {
        let inds = SubsetTests.inds, cond = stratified ? SubsetTests.conditions : nil
        let single = NestedSubsets.order(inds: inds, conditions: cond, seed: 5, split: 0)
        #expect(NestedSubsets.order(inds: inds, conditions: cond, seed: 5, split: 0, session: 0) == single)
        let s1 = NestedSubsets.order(inds: inds, conditions: cond, seed: 5, split: 0, session: 1)
        let s2 = NestedSubsets.order(inds: inds, conditions: cond, seed: 5, split: 0, session: 2)
        #expect(s1.sorted() == Array(inds.indices))
        #expect(s1 != single && s2 != s1)
        // A session's valid order is not its train order, and no session takes the split id of another.
        #expect(NestedSubsets.order(inds: inds, conditions: cond, seed: 5, split: 1, session: 1) != s1)
    }
}
