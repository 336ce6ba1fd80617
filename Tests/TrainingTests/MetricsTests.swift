import Foundation
import LFADS
import Testing
import Training

/// The metrics of docs/data.md §4 on hand-made arrays whose values are known.
struct MetricsTests {
    /// K = 2 trials, T = 3 bins, N = 2 neurons, [K·T, N] row-major.
    static let counts: [Float] = [0, 1, 2, 0, 1, 3, /* trial 1 */ 0, 2, 1, 1, 3, 0]

    @Test func poissonNLLIsTheMeanOfTheStirlingFormPerElement() {
        let rates: [Float] = Self.counts.map { _ in 1.5 }
        let want = Self.counts.map { LFADS.poissonNLL(count: Double($0), logRate: log(1.5)) }.reduce(0, +) / 12
        #expect(abs(Metrics.poissonNLL(counts: Self.counts, rates: rates) - want) < 1e-12)
    }

    @Test func poissonNLLOverARegionAveragesOnlyItsElements() {
        let rates: [Float] = (0..<12).map { Float($0) + 0.5 }
        // Neuron 0, bin 2 of both trials: rows 2 and 5.
        let want = [2, 5].map { r in LFADS.poissonNLL(count: Double(Self.counts[r * 2]), logRate: log(Double(rates[r * 2]))) }
            .reduce(0, +) / 2
        let region = Metrics.Region(bins: 2..<3, columns: 0..<1, T: 3)
        #expect(abs(Metrics.poissonNLL(counts: Self.counts, rates: rates, neurons: 2, region: region) - want) < 1e-12)
    }

    @Test func zeroRatesAreFlooredAndNegativeOnesMakeTheMetricNaN() {
        var rates = [Float](repeating: 7.0 / 6, count: 12)
        rates[0] = 0                                       // count 0 there: the model pays 1e-9, the null 7/6
        let want = (7.0 / 6 - 1e-9) / (14 * log(2.0))
        #expect(abs(Metrics.bitsPerSpike(counts: Self.counts, rates: rates, neurons: 2) - want) < 1e-6)
        rates[0] = -0.5
        #expect(Metrics.bitsPerSpike(counts: Self.counts, rates: rates, neurons: 2).isNaN)
        #expect(Metrics.poissonNLL(counts: Self.counts, rates: rates).isNaN)
    }

    @Test func perNeuronR2IsOneForTruthZeroForTheMeanAndSkipsFlatNeurons() {
        let truth: [Double] = [1, 5, 2, 5, 4, 5]                 // neuron 1 has no variance
        #expect(Metrics.r2PerNeuron(truth: truth, pred: truth.map(Float.init), neurons: 2) == (1, 1))
        let mean: [Float] = [7.0 / 3, 0, 7.0 / 3, 0, 7.0 / 3, 0]
        let r = Metrics.r2PerNeuron(truth: truth, pred: mean, neurons: 2)
        #expect(abs(r.r2) < 1e-6 && r.excluded == 1)
    }

    @Test func pooledR2IgnoresScaleAndOffset() {
        let truth: [Double] = [0.1, 0.4, 0.3, 0.9, 0.2, 0.5]
        #expect(abs(Metrics.r2Pooled(truth: truth, pred: truth.map { Float(2 * $0 + 1) }) - 1) < 1e-6)
    }

    @Test func bitsPerSpikeIsZeroForTheNullAndCountsOnlyItsRegion() {
        let N = 2, T = 3
        // Rates equal to each neuron's mean count (7/6 for both) are the null: 0 bits/spike.
        let null: [Float] = (0..<12).map { _ in 7.0 / 6 }
        #expect(abs(Metrics.bitsPerSpike(counts: Self.counts, rates: null, neurons: N)) < 1e-9)
        // Neuron 1 over bins 0..<2: counts 1, 0 (trial 0) and 2, 1 (trial 1); the null is their mean 1.
        let rates: [Float] = (0..<12).map { Float($0) + 0.5 }
        let region = Metrics.Region(bins: 0..<2, columns: 1..<2, T: T)
        var model = 0.0, nullNLL = 0.0
        for (r, x) in [(0, 1.0), (1, 0.0), (3, 2.0), (4, 1.0)] {
            let lam = Double(rates[r * N + 1])
            model += lam - x * log(lam)
            nullNLL += 1 - x * log(1)
        }
        let want = (nullNLL - model) / (4 * log(2.0))
        #expect(abs(Metrics.bitsPerSpike(counts: Self.counts, rates: rates, neurons: N, region: region) - want) < 1e-9)
    }

    @Test func psthR2AveragesTrialsOfAConditionBeforeScoring() {
        // Two conditions of two trials each, T = 2, N = 1; the truth is shared within a condition
        // and the prediction is the truth ± 0.3, which cancels in the condition mean.
        let truth: [Double] = [1, 2, 1, 2, /* condition 1 */ 4, 1, 4, 1]
        let pred: [Float] = [1.3, 2.3, 0.7, 1.7, 4.3, 1.3, 3.7, 0.7]
        let conditions = [0, 0, 1, 1]
        func psth(_ p: [Float], _ c: [Int]) -> Double {
            Metrics.psthR2(reference: Metrics.conditionMeans(truth, conditions: conditions, T: 2, N: 1), pred: p, conditions: c, T: 2, N: 1)
        }
        #expect(abs(psth(pred, conditions) - 1) < 1e-6)
        #expect(Metrics.r2PerNeuron(truth: truth, pred: pred, neurons: 1).r2 < 0.99)
        // Swapping the conditions' predictions is wrong for every row.
        let swapped = Array(pred[4...]) + Array(pred[..<4])
        #expect(psth(swapped, conditions) < 0)
        #expect(psth(pred, []).isNaN)
        #expect(psth(pred, [5, 5, 6, 6]).isNaN, "conditions without a reference are skipped")
    }

    @Test func smoothingMatchesNumpysSameModeConvolutionWithNLBsWindow() {
        // One trial, one neuron, a single spike at bin 3 of 8; sd 1 bin → window of 6, centred at 2.5.
        var x = [Float](repeating: 0, count: 8)
        x[3] = 1
        let w = (0..<6).map { exp(-0.5 * pow(Double($0) - 2.5, 2)) }
        let sum = w.reduce(0, +)
        // numpy.convolve(x, w, 'same')[t] = Σ_j x[j]·w[t + 2 − j]: the spike spreads to bins 1…6.
        var want = [Double](repeating: 0, count: 8)
        for t in 0..<8 where (0..<6).contains(t + 2 - 3) { want[t] = w[t + 2 - 3] / sum }
        let got = Metrics.gaussianSmoothed(x, T: 8, N: 1, sdBins: 1)
        #expect(zip(got, want).allSatisfy { abs($0 - $1) < 1e-12 }, "\(got) vs \(want)")
        #expect(abs(got.reduce(0, +) - 1) < 1e-12, "mass is kept away from the edges")
    }
}
