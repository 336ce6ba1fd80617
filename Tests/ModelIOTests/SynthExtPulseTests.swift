import Foundation
import Testing
@testable import ModelIO

/// `spikesae synth --ext-pulse` (docs/data.md §3, docs/model.md §16): one timed kick per trial.
struct SynthExtPulseTests {
    let dir: TempDirectory
    init() throws { dir = try TempDirectory() }

    @Test func pulsesKickEachTrialAfterItsPulseOnly() throws {
        let spec = SynthTests.smallLorenz()
        var pulsed = spec
        pulsed.extPulse = 10
        let a = try Synth.generate(spec), b = try Synth.generate(pulsed)
        #expect(a.trainInds == b.trainInds && a.validInds == b.validInds)
        #expect(!a.spec.json().contains("ext_pulse") && b.spec.json().contains("\"ext_pulse\":10"))
        let (T, N, K) = (spec.bins, spec.neurons, spec.trials)
        let pulses = try #require(b.pulses), truth = try #require(b.trialTruth)
        var differs = 0
        for k in 0..<K {
            let row = Array(pulses[(k * T)..<((k + 1) * T)])
            #expect(row.filter { $0 == 1 }.count == 1 && row.filter { $0 != 0 }.count == 1)
            let bin = row.firstIndex(of: 1)!
            #expect(bin >= T / 4 && bin < T / 4 + T / 2)
            // Before the kick the trial is its condition; after it, it is not.
            let c = k / spec.trialsPerCondition
            for i in 0..<(bin * N) { #expect(truth[k * T * N + i] == a.conditionTruth[c * T * N + i]) }
            if (bin * N..<(T * N)).contains(where: { abs(truth[k * T * N + $0] - a.conditionTruth[c * T * N + $0]) > 1e-3 }) { differs += 1 }
        }
        #expect(differs == K)
        let times = Set((0..<K).map { k in (0..<T).first { pulses[k * T + $0] == 1 }! })
        #expect(times.count > 3, "pulse times vary across trials")

        // The file carries the pulses as *_ext_input [K,T,1]; they load with ext_input_dim 1.
        let path = dir.file("pulsed.h5")
        try b.write(to: path)
        let d = try SpikeDataset.load(path: path, extDim: 1)
        #expect(d.trainExt == b.pulses(ofTrials: b.trainInds)!.map { Float($0) })
        #expect(d.trainTruth == b.truth(ofTrials: b.trainInds).map { Double(Float($0)) })
    }

    @Test func pulsesNeedLorenzAndAFiniteKick() {
        var s = SynthSpec(system: .chaoticRNN)
        s.extPulse = 1
        #expect(throws: SynthError("ext_pulse needs the lorenz system")) { try s.validate() }
        var l = SynthTests.smallLorenz()
        l.extPulse = .nan
        #expect(throws: SynthError.self) { try l.validate() }
    }
}
