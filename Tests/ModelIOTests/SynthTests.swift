import Foundation
import Testing
@testable import LFADS
@testable import ModelIO

/// The synthetic generators of docs/data.md §3: determinism, exact checks, typical statistics.
struct SynthTests {
    static func smallLorenz(seed: UInt64 = 3) -> SynthSpec {
        var s = SynthSpec(system: .lorenz, seed: seed)
        (s.neurons, s.conditions, s.trialsPerCondition, s.bins) = (8, 6, 3, 10)
        return s
    }

    static func smallChaotic(seed: UInt64 = 3) -> SynthSpec {
        var s = SynthSpec(system: .chaoticRNN, seed: seed)
        (s.neurons, s.conditions, s.trialsPerCondition, s.bins) = (12, 5, 2, 40)
        return s
    }

    @Test func defaultsPerSystem() {
        let l = SynthSpec(system: .lorenz)
        #expect([l.neurons, l.conditions, l.trialsPerCondition, l.bins, l.binMs] == [Int]([29, 65, 20, 50, 20]))
        #expect(l.seed == 0 && l.validFraction == 0.2 && l.countType == .int64 && l.trials == 1300 && l.validTrials == 260)
        #expect(l.icStd == 2 && l.lorenzDt == 0.002 && l.burnIn == 1 && l.rateMinHz == 5 && l.rateMaxHz == 20)
        let c = SynthSpec(system: .chaoticRNN)
        #expect([c.neurons, c.conditions, c.trialsPerCondition, c.bins, c.binMs] == [Int]([50, 100, 40, 100, 10]))
        #expect(c.gain == 1.5 && c.tauMs == 25 && c.maxRateHz == 30)
    }

    @Test(arguments: [SynthSystem.lorenz, .chaoticRNN])
    func sameArgumentsGiveIdenticalArrays(system: SynthSystem) throws {
        let spec = system == .lorenz ? Self.smallLorenz() : Self.smallChaotic()
        let a = try Synth.generate(spec), b = try Synth.generate(spec)
        #expect(a.counts == b.counts)
        #expect(a.conditionTruth.map(\.bitPattern) == b.conditionTruth.map(\.bitPattern))
        #expect(a.conditionLatents.map(\.bitPattern) == b.conditionLatents.map(\.bitPattern))
        #expect(a.trainInds == b.trainInds && a.validInds == b.validInds && a.generator == b.generator)
        var other = spec
        other.seed += 1
        #expect(try Synth.generate(other).counts != a.counts)
    }

    @Test func lorenzMeanTruthPerNeuronIsItsTargetRate() throws {
        let spec = Self.smallLorenz()
        let d = try Synth.generate(spec)
        let target = try #require(d.generator.first { $0.name == "target_hz" }).values
        let truth = d.truth(ofTrials: Array(0..<spec.trials))
        for n in 0..<spec.neurons {
            var sum = 0.0
            for i in stride(from: n, to: truth.count, by: spec.neurons) { sum += truth[i] }
            let mean = sum / Double(truth.count / spec.neurons)
            let expected = target[n] * Double(spec.binMs) / 1000
            #expect(abs(mean - expected) <= 1e-9 * expected, "neuron \(n): \(mean) vs \(expected)")
            #expect((5...20).contains(target[n]))
        }
        #expect(d.conditionLatents.allSatisfy { abs($0) <= 1 })
        #expect(d.latentDim == 3 && d.conditionLatents.count == spec.conditions * spec.bins * 3)
        let w = try #require(d.generator.first { $0.name == "readout_W" })
        #expect(w.shape == [3, spec.neurons] && w.values.allSatisfy { (1...2).contains(abs($0)) })
    }

    @Test func chaoticTruthSpansExactlyZeroToPointThree() throws {
        let spec = Self.smallChaotic()
        let d = try Synth.generate(spec)
        let truth = d.truth(ofTrials: Array(0..<spec.trials))
        let (T, N) = (spec.bins, spec.neurons)
        for k in 0..<spec.trials {
            for n in 0..<N {
                let trace = (0..<T).map { truth[(k * T + $0) * N + n] }
                #expect(trace.min() == 0 && trace.max() == 0.3, "trial \(k) neuron \(n)")
            }
        }
        #expect(d.latentDim == N && d.generator.map(\.name) == ["rnn_W"])
        #expect(d.generator[0].shape == [N, N])
    }

    @Test func lorenzTypicalStatisticsAtDefaults() throws {
        let d = try Synth.generate(SynthSpec(system: .lorenz, seed: 0))
        let n = Double(d.counts.count)
        let meanCount = Double(d.counts.reduce(0, +)) / n
        let zeros = Double(d.counts.filter { $0 == 0 }.count) / n
        let meanHz = d.conditionTruth.reduce(0, +) / Double(d.conditionTruth.count) * 1000 / 20
        let peakHz = d.conditionTruth.max()! * 1000 / 20
        #expect((0.2...0.33).contains(meanCount), "mean count \(meanCount)")
        #expect((0.72...0.86).contains(zeros), "zero bins \(zeros)")
        #expect((10...16).contains(meanHz), "mean rate \(meanHz) Hz")
        #expect((100...400).contains(peakHz), "peak rate \(peakHz) Hz")
        #expect(d.trainInds.count == 1040 && d.validInds.count == 260)
    }

    @Test func chaoticTypicalStatistics() throws {
        var spec = SynthSpec(system: .chaoticRNN, seed: 0)
        spec.trialsPerCondition = 2  // truth does not depend on R; keeps the test fast
        let d = try Synth.generate(spec)
        let n = Double(d.counts.count)
        let meanCount = Double(d.counts.reduce(0, +)) / n
        let meanHz = d.conditionTruth.reduce(0, +) / Double(d.conditionTruth.count) * 1000 / 10
        #expect((12...18).contains(meanHz), "mean rate \(meanHz) Hz")
        #expect((0.12...0.18).contains(meanCount), "mean count \(meanCount)")
        #expect((0.8...0.92).contains(Double(d.counts.filter { $0 == 0 }.count) / n))
    }

    @Test func splitIsARandomPartitionWithEachSideSorted() throws {
        let d = try Synth.generate(Self.smallLorenz())
        #expect(d.validInds.count == 4 && d.trainInds.count == 14)  // round(0.2 * 18) = 4
        #expect(d.trainInds == d.trainInds.sorted() && d.validInds == d.validInds.sorted())
        #expect((d.trainInds + d.validInds).sorted() == Array(0..<18))
        #expect(d.validInds != [0, 1, 2, 3] && d.validInds != [14, 15, 16, 17])
    }

    @Test func validCountRoundsHalfToEven() {
        var s = SynthSpec(system: .lorenz)
        (s.conditions, s.trialsPerCondition, s.validFraction) = (5, 2, 0.25)  // 2.5 -> 2
        #expect(s.validTrials == 2)
        (s.conditions, s.trialsPerCondition) = (3, 2)  // 1.5 -> 2
        #expect(s.validTrials == 2)
    }

    @Test func bothSplitsMustBeNonEmpty() {
        var s = Self.smallLorenz()
        (s.conditions, s.trialsPerCondition, s.validFraction) = (10, 2, 0.01)
        #expect(throws: SynthError("valid_fraction 0.01 of 20 trials gives 0 valid and 20 train trials; both splits must be non-empty")) {
            try Synth.generate(s)
        }
        s.neurons = 0
        #expect(throws: SynthError("neurons must be positive, got 0")) { try Synth.generate(s) }
    }

    @Test func permutationIsUniformOverPositions() {
        var rng = keyedStream(seed: 9, .synth)
        var firstPlace = [Int](repeating: 0, count: 4)
        for _ in 0..<4000 {
            let order = Synth.permutation(4, &rng)
            #expect(order.sorted() == [0, 1, 2, 3])
            firstPlace[order[0]] += 1
        }
        #expect(firstPlace.allSatisfy { (850...1150).contains($0) }, "\(firstPlace)")
    }
}
