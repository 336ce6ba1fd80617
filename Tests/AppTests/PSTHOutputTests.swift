import Foundation
import Testing
@testable import App
import LFADS
import ModelIO
import Training

/// PSTH R² of a run's outputs on real data (no truth): the reference App builds from smoothed
/// spikes of both splits, over the observed bins (docs/data.md §4).
struct PSTHOutputTests {
    @Test func realDataPSTHR2ScoresAgainstSmoothedSpikesOfBothSplits() throws {
        // No truth: the reference is the condition mean of smoothed spikes over train and valid
        // trials (20 ms bins, 40 ms kernel sd → 2 bins), over the observed bins only.
        let T = 10, N = 2
        var r = SplitMix64(state: 5)
        func trials(_ k: Int) -> [Float] { (0..<(k * T * N)).map { _ in Float(r.poisson(2)) } }
        let train = trials(4), valid = trials(4)
        let trainC = [0, 1, 0, 1], validC = [1, 0, 1, 0]
        let d = SpikeDataset(path: "real.h5", T: T, N: N, trainCounts: train, validCounts: valid,
                             trainConditions: trainC, validConditions: validC, binMs: 20, forwardBins: 3)
        let smoothed = Metrics.gaussianSmoothed(train, T: T, N: N, sdBins: 2) + Metrics.gaussianSmoothed(valid, T: T, N: N, sdBins: 2)
        let reference = Metrics.conditionMeans(smoothed, conditions: trainC + validC, T: T, N: N)
        // Rates equal to the reference in every valid trial score 1, even if the forward bins are off.
        var perfect = validC.flatMap { c in reference[c]!.map(Float.init) }
        for k in 0..<4 { for i in ((k * T + 7) * N)..<((k + 1) * T * N) { perfect[i] += 9 } }
        #expect(abs(try #require(Outputs.psthR2(validRates: perfect, dataset: d, smoothingMs: 40)) - 1) < 1e-6)
        let flat = [Float](repeating: 2, count: valid.count)
        #expect(try #require(Outputs.psthR2(validRates: flat, dataset: d, smoothingMs: 40)) < 0.01)
        var noBin = d
        noBin.binMs = nil
        #expect(Outputs.psthR2(validRates: flat, dataset: noBin, smoothingMs: 40) == nil, "needs bin_ms")
    }
}
