import Config
import Foundation
import LFADS
import Testing
@testable import Search

/// PBT decisions (docs/search.md §4): binary-tournament exploit, log-space explore, stopping.
@Suite struct PBTPolicyTests {
    static let space: [String: ParameterRange] = [
        "lr": ParameterRange(.logUniform, min: 1e-5, max: 5e-3, explore: 1.3),
        "dropout_rate": ParameterRange(.uniform, min: 0.0, max: 0.6, explore: 1.3),
        "kl_co_scale": ParameterRange(.logUniform, min: 1e-6, max: 1e-4, explore: 1.8),
        "l2_gen_scale": ParameterRange(.logUniform, min: 1e-4, max: 1, explore: 1.8),
    ]
    static let policy = PBTPolicy(space: space, seed: 7)

    /// A permutation of 0..<n as fitness: every member has a distinct rank.
    static func ranked(_ n: Int, _ seed: UInt64) -> [Double] {
        var v = (0..<n).map(Double.init)
        var g = SplitMix64(state: seed)
        v.shuffle(using: &g)
        return v
    }

    @Test func aMemberCopiesOnlyAStrictlyBetterOpponent() {
        var copiesTotal = 0
        for gen in 0..<40 {
            let fit = Self.ranked(10, UInt64(gen))
            let copies = Self.policy.exploit(fitness: fit, size: 0, generation: gen)
            for (loser, winner) in copies {
                #expect(loser != winner)
                #expect(fit[winner] < fit[loser], "gen \(gen): \(loser) (\(fit[loser])) copied \(winner) (\(fit[winner]))")
            }
            // The best never copies; the worst always does (every opponent is strictly better).
            #expect(copies[fit.firstIndex(of: 0)!] == nil)
            #expect(copies[fit.firstIndex(of: 9)!] != nil)
            copiesTotal += copies.count
        }
        // Member of rank r loses with probability r/(n-1): about half the population copies.
        let mean = Double(copiesTotal) / 40
        #expect(mean > 4 && mean < 6, "mean copies per generation \(mean)")
        // Ties are not "strictly better".
        #expect(Self.policy.exploit(fitness: Array(repeating: 1.5, count: 8), size: 0, generation: 0).isEmpty)
        #expect(Self.policy.exploit(fitness: [2.0], size: 0, generation: 0).isEmpty)
    }

    @Test func nonFiniteFitnessAlwaysLosesToAFiniteOne() {
        for gen in 0..<20 {
            let fit: [Double] = [.nan, 3, .infinity, 1, 2, -.infinity, 5]
            let copies = Self.policy.exploit(fitness: fit, size: 1, generation: gen)
            for bad in [0, 2, 5] {
                // Every opponent of a non-finite member is finite or non-finite; against a finite one it loses.
                if let w = copies[bad] { #expect(fit[w].isFinite) }
            }
            for (_, w) in copies { #expect(fit[w].isFinite, "gen \(gen): copied non-finite member \(w)") }
            // With a single non-finite member, it always copies.
            let one = Self.policy.exploit(fitness: [3, .nan, 1, 2], size: 1, generation: gen)
            #expect(one[1] != nil, "gen \(gen): the NaN member kept its weights")
            #expect(one.values.allSatisfy { $0 != 1 })
        }
        // Non-finite against non-finite: nobody copies.
        #expect(Self.policy.exploit(fitness: [.nan, .nan, .infinity], size: 0, generation: 3).isEmpty)
        // -inf is not a "very good" fitness.
        for gen in 0..<10 {
            #expect(Self.policy.exploit(fitness: [-.infinity, 1], size: 0, generation: gen) == [0: 1])
        }
    }

    @Test func exploitDecisionsAreDeterministicPerSeedSizeAndGeneration() {
        let fit = Self.ranked(20, 1)
        let a = Self.policy.exploit(fitness: fit, size: 2, generation: 5)
        #expect(PBTPolicy(space: Self.space, seed: 7).exploit(fitness: fit, size: 2, generation: 5) == a)
        #expect(Self.policy.exploit(fitness: fit, size: 2, generation: 6) != a)
        #expect(Self.policy.exploit(fitness: fit, size: 3, generation: 5) != a)
        #expect(PBTPolicy(space: Self.space, seed: 8).exploit(fitness: fit, size: 2, generation: 5) != a)
    }

    static func value(_ hp: Hyperparameters, _ name: String) -> Double {
        if case .double(let d)? = hp[name] { return d }
        Issue.record("\(name) is not a double")
        return .nan
    }

    @Test(arguments: [("middle", [1e-3, 0.3, 1e-5, 1e-2]), ("at the limits", [5e-3, 0.0, 1e-4, 1e-4]),
                      ("near the limits", [1.1e-5, 0.58, 1.2e-6, 0.9])])
    func exploreStaysWithinTheLimitsAndWithinTheFactorOfTheOldValue(_ label: String, _ start: [Double]) throws {
        var hp = Hyperparameters()
        let names = ["lr", "dropout_rate", "kl_co_scale", "l2_gen_scale"]
        for (n, v) in zip(names, start) { try hp.set(n, .double(v)) }
        var ratios: [String: [Double]] = [:]
        var clipped: [String: Int] = [:]
        for m in 0..<60 {
            let (new, notes) = try Self.policy.explore(hp, size: 0, generation: m / 6, member: m % 6)
            #expect(notes.count == names.count)
            for n in names {
                let r = Self.space[n]!, old = Self.value(hp, n), v = Self.value(new, n)
                #expect(v >= r.min && v <= r.max, "\(label): \(n) = \(v) outside [\(r.min), \(r.max)]")
                if v == r.min || v == r.max { clipped[n, default: 0] += 1 }
                if old > 0 {
                    let ratio = v / old
                    #expect(ratio <= r.explore * (1 + 1e-12) && ratio >= 1 / r.explore * (1 - 1e-12),
                            "\(label): \(n) \(old) → \(v) (× \(ratio), limit × \(r.explore))")
                    ratios[n, default: []].append(ratio)
                } else {
                    #expect(v == 0, "\(label): \(n) 0 → \(v)")
                }
            }
            // Hyperparameters outside the space are untouched.
            #expect(new.genDim == hp.genDim && new.cdRate == hp.cdRate && new.seed == hp.seed)
        }
        if label == "middle" {
            // Real perturbations of both signs, reaching towards the factor limit.
            for n in names {
                let rs = ratios[n]!
                let f = Self.space[n]!.explore
                #expect(rs.min()! < 1 / pow(f, 0.7) && rs.max()! > pow(f, 0.7), "\(n): ratios \(rs.min()!)…\(rs.max()!)")
            }
        }
        if label == "at the limits" {
            // At a limit about half the perturbations point outward and are clipped onto it.
            for n in ["lr", "kl_co_scale", "l2_gen_scale"] {
                #expect(clipped[n, default: 0] > 15 && clipped[n, default: 0] < 45, "\(n) clipped \(clipped[n, default: 0]) of 60")
            }
        }
    }

    @Test func exploreIsDeterministicPerSeedSizeGenerationAndMember() throws {
        var hp = Hyperparameters()
        hp.lr = 1e-3; hp.dropoutRate = 0.2
        let (a, _) = try Self.policy.explore(hp, size: 1, generation: 2, member: 3)
        #expect(try Self.policy.explore(hp, size: 1, generation: 2, member: 3).0 == a)
        #expect(try Self.policy.explore(hp, size: 1, generation: 2, member: 4).0.lr != a.lr)
        #expect(try Self.policy.explore(hp, size: 1, generation: 3, member: 3).0.lr != a.lr)
        #expect(try Self.policy.explore(hp, size: 0, generation: 2, member: 3).0.lr != a.lr)
        #expect(try PBTPolicy(space: Self.space, seed: 8).explore(hp, size: 1, generation: 2, member: 3).0.lr != a.lr)
    }

    @Test func initialMembersUseInitWhereGivenAndDrawOtherwise() throws {
        var space = Self.space
        space["lr"]!.initial = 4e-3
        let p = PBTPolicy(space: space, seed: 1)
        let members = try (0..<8).map { try p.initial(base: Hyperparameters(), size: 0, member: $0) }
        #expect(members.allSatisfy { $0.lr == 4e-3 })
        #expect(Set(members.map(\.dropoutRate)).count == 8)
        #expect(members.allSatisfy { $0.dropoutRate >= 0 && $0.dropoutRate <= 0.6 })
        #expect(Set(members.map(\.seed)).count == 8)
        #expect(try p.initial(base: Hyperparameters(), size: 0, member: 3) == members[3])
    }

    @Test func stopsAfterMaxGenerations() {
        let improving = (0..<50).map { 100 - Double($0) }
        #expect(!PBTPolicy.shouldStop(best: Array(improving.prefix(49)), maxGenerations: 50, minImprovement: 0.0005, patience: 4))
        #expect(PBTPolicy.shouldStop(best: improving, maxGenerations: 50, minImprovement: 0.0005, patience: 4))
        #expect(PBTPolicy.shouldStop(best: [3, 2, 1], maxGenerations: 3, minImprovement: 0.0005, patience: 4))
    }

    @Test func stopsOnAPlateauButNotWhileImproving() {
        func stop(_ b: [Double]) -> Bool { PBTPolicy.shouldStop(best: b, maxGenerations: 50, minImprovement: 0.0005, patience: 4) }
        // Too few generations to judge.
        #expect(!stop([]))
        #expect(!stop([1, 1, 1, 1]))
        // Flat for 4 generations.
        #expect(stop([2, 1, 1, 1, 1, 1]))
        // Improvement of exactly 0.05 % over 4 generations is a plateau; 0.1 % is not.
        #expect(stop([1.0, 1.0, 1.0, 1.0, 0.9995]))
        #expect(!stop([1.0, 1.0, 1.0, 1.0, 0.999]))
        // Improving steadily; improvement measured over the last 4 generations, not the first.
        #expect(!stop([10, 9, 8, 7, 6, 5]))
        #expect(stop([10, 5, 5, 5, 5, 5]))
        // Getting worse is no improvement.
        #expect(stop([1, 1.1, 1.2, 1.3, 1.4]))
        // Negative fitness (−co-bps): a plateau stops, an improvement does not.
        #expect(stop([-0.2, -0.2, -0.2, -0.2, -0.2]))
        #expect(!stop([-0.2, -0.21, -0.22, -0.23, -0.24]))
        // A NaN generation is not taken for a plateau.
        #expect(!stop([.nan, 1, 1, 1, 1]))
    }
}
