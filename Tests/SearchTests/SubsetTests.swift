import Testing
import LFADS
@testable import Search

/// Nested, seeded, stratified dataset-size subsets (docs/data.md §5).
@Suite struct SubsetTests {
    /// Trial inds of a split: not contiguous and not starting at 0, as in a real train split.
    static let inds = (0..<125).map { 3 * $0 + 7 }
    /// Conditions of very different sizes (30, 20, 10, 40, 25), labels not 0..<C, positions interleaved.
    static let conditions: [Int] = {
        var pool: [Int] = []
        for (label, n) in [(12, 30), (3, 20), (40, 10), (7, 40), (25, 25)] { pool += Array(repeating: label, count: n) }
        var g = SplitMix64(state: 99)
        pool.shuffle(using: &g)
        return pool
    }()

    @Test(arguments: [false, true])
    func theOrderIsAPermutationSoEverySmallerSizeIsInsideEveryLargerOne(stratified: Bool) {
        let order = NestedSubsets.order(inds: Self.inds, conditions: stratified ? Self.conditions : nil, seed: 3, split: 0)
        #expect(order.sorted() == Array(Self.inds.indices))
        let counts = [1.0, 0.5, 0.25, 0.1].map { NestedSubsets.count($0, of: Self.inds.count) }
        #expect(counts == [125, 62, 31, 12])
        let subsets = counts.map { Set(order.prefix($0)) }
        for (i, small) in subsets.enumerated() {
            #expect(small.count == counts[i], "size \(counts[i]) has repeated trials")
            for large in subsets[..<i] { #expect(small.isSubset(of: large)) }
        }
    }

    @Test(arguments: [false, true])
    func theOrderIsDeterministicPerSeedAndSplitAndDiffersAcrossThem(stratified: Bool) {
        let c = stratified ? Self.conditions : nil
        let a = NestedSubsets.order(inds: Self.inds, conditions: c, seed: 5, split: 0)
        #expect(NestedSubsets.order(inds: Self.inds, conditions: c, seed: 5, split: 0) == a)
        // Equal content in a fresh array (not the same storage) gives the same order.
        #expect(NestedSubsets.order(inds: Self.inds.map { $0 + 0 }, conditions: c.map { $0.map { $0 } }, seed: 5, split: 0) == a)
        #expect(NestedSubsets.order(inds: Self.inds, conditions: c, seed: 6, split: 0) != a)
        #expect(NestedSubsets.order(inds: Self.inds, conditions: c, seed: 5, split: 1) != a)
        // Not the identity: the subsets are a random draw, not the first trials of the file.
        #expect(a != Array(Self.inds.indices))
        // The smallest size differs between seeds too (different models see different small subsets).
        let b = NestedSubsets.order(inds: Self.inds, conditions: c, seed: 6, split: 0)
        #expect(Set(a.prefix(12)) != Set(b.prefix(12)))
    }

    @Test func theStratifiedOrderOfIndsDoesNotDependOnTheArrayOrderOfTheSplit() {
        let a = NestedSubsets.order(inds: Self.inds, conditions: Self.conditions, seed: 11, split: 0).map { Self.inds[$0] }
        var perm = Array(Self.inds.indices)
        var g = SplitMix64(state: 4)
        perm.shuffle(using: &g)
        let inds2 = perm.map { Self.inds[$0] }, cond2 = perm.map { Self.conditions[$0] }
        let b = NestedSubsets.order(inds: inds2, conditions: cond2, seed: 11, split: 0).map { inds2[$0] }
        #expect(a == b)
    }

    @Test(arguments: 0..<10)
    func everyStratifiedPrefixIsWithinAboutOneTrialOfProportional(seed: Int) {
        // Unequal conditions, and equal ones (8 × 10 as in the end-to-end config).
        let cases: [[Int]] = [Self.conditions, (0..<80).map { $0 % 8 }]
        for conditions in cases {
            let n = conditions.count
            let inds = (0..<n).map { 2 * $0 + 1 }
            let order = NestedSubsets.order(inds: inds, conditions: conditions, seed: UInt64(seed), split: 0)
            let sizes = Dictionary(conditions.map { ($0, 1) }, uniquingKeysWith: +)
            var taken: [Int: Int] = [:]
            var worst = 0.0
            for (k, pos) in order.enumerated() {
                taken[conditions[pos], default: 0] += 1
                for (c, nc) in sizes {
                    worst = max(worst, abs(Double(taken[c, default: 0]) - Double(k + 1) * Double(nc) / Double(n)))
                }
            }
            // A plain shuffle of these pools deviates by ≥ 2 trials for almost every seed.
            #expect(worst <= 1.5, "seed \(seed), \(sizes.count) conditions: a prefix is \(worst) trials off proportional")
        }
    }

    @Test func countRoundsFractionsToEvenAndTakesCountsClampedToTheSplit() {
        #expect(NestedSubsets.count(1.0, of: 64) == 64)
        #expect(NestedSubsets.count(0.5, of: 64) == 32)
        #expect(NestedSubsets.count(0.25, of: 64) == 16)
        // Ties go to even.
        #expect(NestedSubsets.count(0.5, of: 5) == 2)
        #expect(NestedSubsets.count(0.5, of: 7) == 4)
        #expect(NestedSubsets.count(0.25, of: 10) == 2)
        #expect(NestedSubsets.count(0.75, of: 10) == 8)
        #expect(NestedSubsets.count(0.3, of: 10) == 3)
        // Never below one trial.
        #expect(NestedSubsets.count(0.125, of: 4) == 1)
        #expect(NestedSubsets.count(0.001, of: 64) == 1)
        // Counts (> 1) are trial counts, at most the whole split.
        #expect(NestedSubsets.count(2, of: 64) == 2)
        #expect(NestedSubsets.count(20, of: 64) == 20)
        #expect(NestedSubsets.count(64, of: 64) == 64)
        #expect(NestedSubsets.count(500, of: 64) == 64)
    }
}
