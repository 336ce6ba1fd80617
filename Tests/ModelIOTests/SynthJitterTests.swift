import Foundation
import Testing
@testable import ModelIO

/// `spikesae synth --time-jitter` (docs/data.md §3, docs/model.md §17).
struct SynthJitterTests {
    /// Jitter moves each neuron's rates in time per trial: truth, latents and split stay those of the
    /// spec without it, the counts change, and a jitter of 0 is no jitter at all.
    @Test func jitterMovesOnlyTheCounts() throws {
        let spec = SynthTests.smallLorenz()
        var jittered = spec
        jittered.timeJitter = 2
        var zero = spec
        zero.timeJitter = 0
        let a = try Synth.generate(spec), b = try Synth.generate(jittered), c = try Synth.generate(zero)
        #expect(a.trainInds == b.trainInds && a.validInds == b.validInds)
        #expect(a.conditionTruth.map(\.bitPattern) == b.conditionTruth.map(\.bitPattern))
        #expect(a.conditionLatents == b.conditionLatents)
        #expect(a.counts != b.counts)
        #expect(a.counts == c.counts)
        // The shifts are round(2·N(0,1)): mostly nonzero, within a few bins.
        let d = Synth.jitterShifts(jittered, std: 2)
        #expect(d.count == spec.trials * spec.neurons)
        let moved = Double(d.filter { $0 != 0 }.count) / Double(d.count)
        #expect(moved > 0.7 && moved < 0.9 && d.allSatisfy { abs($0) <= 12 })
        #expect(jittered.json().contains(#""time_jitter":2"#))
        #expect(jittered.commandLine(out: "x.h5").contains("--time-jitter 2.0"))
    }

    /// A trial's counts follow its neurons' shifted truth: the mean count of neuron n at bin t over
    /// many repeats of one condition is that condition's truth at t − δ, not at t.
    @Test func countsFollowTheShiftedTruth() throws {
        var spec = SynthTests.smallLorenz()
        spec.timeJitter = 1.5
        let data = try Synth.generate(spec)
        let d = Synth.jitterShifts(spec, std: 1.5)
        let (T, N) = (spec.bins, spec.neurons)
        var errShifted = 0.0, errUnshifted = 0.0
        for k in 0..<spec.trials {
            let c = data.condition(ofTrial: k)
            for t in 0..<T {
                for n in 0..<N {
                    let x = Double(data.counts[(k * T + t) * N + n])
                    let src = min(max(t - d[k * N + n], 0), T - 1)
                    errShifted += pow(x - data.conditionTruth[(c * T + src) * N + n], 2)
                    errUnshifted += pow(x - data.conditionTruth[(c * T + t) * N + n], 2)
                }
            }
        }
        #expect(errShifted < errUnshifted)
    }

    @Test func negativeJitterAndJitteredEventsAreRefused() {
        var spec = SynthTests.smallLorenz()
        spec.timeJitter = -1
        #expect(throws: SynthError("time_jitter must be >= 0 (bins), got -1.0")) { try Synth.generate(spec) }
        spec.timeJitter = 1
        spec.useZIG()
        #expect(throws: SynthError.self) { try Synth.generate(spec) }
    }
}
