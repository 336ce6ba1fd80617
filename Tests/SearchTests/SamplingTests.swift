import Config
import Foundation
import LFADS
import Testing
@testable import Search

/// Random-search draws (docs/search.md §4): in range, the right distribution, seeded per trial.
@Suite struct SamplingTests {
    static func draws(_ r: ParameterRange, _ n: Int = 2000, state: UInt64 = 1) -> [HPValue] {
        var g = SplitMix64(state: state)
        return (0..<n).map { _ in draw(r, using: &g) }
    }

    static func doubles(_ v: [HPValue]) -> [Double] {
        v.map { if case .double(let d) = $0 { return d } else { Issue.record("not a double: \($0)"); return .nan } }
    }

    @Test func uniformDrawsStayInRangeAndCoverIt() {
        let v = Self.doubles(Self.draws(ParameterRange(.uniform, min: 0.1, max: 0.6)))
        #expect(v.allSatisfy { $0 >= 0.1 && $0 <= 0.6 })
        #expect(v.min()! < 0.12 && v.max()! > 0.58)
        // Linear, not logarithmic: about half below the midpoint.
        let below = Double(v.filter { $0 < 0.35 }.count) / Double(v.count)
        #expect(below > 0.45 && below < 0.55, "\(below)")
    }

    @Test func logUniformDrawsSpanTheDecadesEvenly() {
        let v = Self.doubles(Self.draws(ParameterRange(.logUniform, min: 1e-5, max: 1e-1)))
        #expect(v.allSatisfy { $0 >= 1e-5 && $0 <= 1e-1 })
        // Four decades, about a quarter of the draws in each (a linear draw puts 99 % in the last one).
        for d in 0..<4 {
            let lo = pow(10.0, Double(d - 5)), hi = lo * 10
            let share = Double(v.filter { $0 >= lo && $0 < hi }.count) / Double(v.count)
            #expect(share > 0.2 && share < 0.3, "decade [\(lo), \(hi)): \(share)")
        }
    }

    @Test func choicePicksOnlyListedValuesAndEveryOneOfThem() {
        let values: [HPValue] = [.double(1e-3), .double(4e-3), .int(7), .string("plateau")]
        let v = Self.draws(ParameterRange(.choice, values: values), 400)
        #expect(v.allSatisfy { values.contains($0) })
        for x in values {
            let n = v.filter { $0 == x }.count
            #expect(n > 60 && n < 140, "\(x) drawn \(n) times of 400")
        }
    }

    static let space: [String: ParameterRange] = [
        "lr": ParameterRange(.logUniform, min: 1e-4, max: 1e-2),
        "dropout_rate": ParameterRange(.uniform, min: 0, max: 0.5),
        "batch_size": ParameterRange(.choice, values: [.int(16), .int(32), .int(64)]),
    ]

    static var base: Hyperparameters {
        var h = Hyperparameters()
        h.genDim = 17; h.klCoScale = 3e-5; h.seed = 123
        return h
    }

    @Test func sampledTrialsKeepBaseValuesAndDrawSearchedOnesInRange() throws {
        var seen = Set<Int>()
        for t in 0..<30 {
            let hp = try sampleTrial(base: Self.base, space: Self.space, searchSeed: 4, size: 1, trial: t)
            #expect(hp.lr >= 1e-4 && hp.lr <= 1e-2)
            #expect(hp.dropoutRate >= 0 && hp.dropoutRate <= 0.5)
            #expect([16, 32, 64].contains(hp.batchSize))
            #expect(hp.genDim == 17 && hp.klCoScale == 3e-5 && hp.cdRate == Self.base.cdRate)
            seen.insert(hp.seed)
        }
        // Each trial gets its own model seed.
        #expect(seen.count == 30)
    }

    @Test func sampledTrialsAreDeterministicPerSeedSizeAndTrialAndIndependentOfCallOrder() throws {
        let keys = (0..<3).flatMap { s in (0..<4).map { (s, $0) } }
        var forward: [String: Hyperparameters] = [:]
        for (s, t) in keys { forward["\(s)/\(t)"] = try sampleTrial(base: Self.base, space: Self.space, searchSeed: 9, size: s, trial: t) }
        for (s, t) in keys.reversed() {
            let hp = try sampleTrial(base: Self.base, space: Self.space, searchSeed: 9, size: s, trial: t)
            #expect(hp == forward["\(s)/\(t)"], "size \(s) trial \(t)")
        }
        let lrs = Set(forward.values.map(\.lr))
        #expect(lrs.count == keys.count, "trials and sizes must draw different values")
        let other = try sampleTrial(base: Self.base, space: Self.space, searchSeed: 10, size: 0, trial: 0)
        #expect(other.lr != forward["0/0"]!.lr)
        #expect(other.seed != forward["0/0"]!.seed)
    }
}
