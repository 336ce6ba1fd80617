import Foundation

/// PSTH R² (docs/data.md §4): how well condition-averaged rates match the condition's true
/// peri-stimulus time histogram.
extension Metrics {
    /// Per condition, the mean over its trials of [K, T, N] `values`: condition → [T·N].
    public static func conditionMeans<V: BinaryFloatingPoint>(_ values: [V], conditions: [Int], T: Int, N: Int) -> [Int: [Double]] {
        let size = T * N
        var sums: [Int: ([Double], Int)] = [:]
        for (k, c) in conditions.enumerated() {
            var (acc, n) = sums[c] ?? ([Double](repeating: 0, count: size), 0)
            for i in 0..<size { acc[i] += Double(values[k * size + i]) }
            sums[c] = (acc, n + 1)
        }
        return sums.mapValues { acc, n in acc.map { $0 / Double(n) } }
    }

    /// PSTH R²: the predicted rates averaged per condition over the evaluated trials against
    /// `reference` (condition → [T·N] true PSTH); conditions × `bins` as rows, per-neuron R²
    /// averaged over neurons. Conditions without evaluated trials or without a reference are skipped;
    /// NaN when none is left.
    public static func psthR2(reference: [Int: [Double]], pred: [Float], conditions: [Int], T: Int, N: Int,
                              bins: Range<Int>? = nil) -> Double {
        guard !conditions.isEmpty, conditions.count * T * N == pred.count else { return .nan }
        let predicted = conditionMeans(pred, conditions: conditions, T: T, N: N)
        let bins = bins ?? 0..<T
        var truth: [Double] = [], stacked: [Float] = []
        for c in predicted.keys.sorted() {
            guard let ref = reference[c], let p = predicted[c] else { continue }
            for t in bins {
                truth += ref[(t * N)..<((t + 1) * N)]
                stacked += p[(t * N)..<((t + 1) * N)].map { Float($0) }
            }
        }
        return truth.isEmpty ? .nan : r2PerNeuron(truth: truth, pred: stacked, neurons: N).r2
    }

    /// Counts smoothed along time per trial and neuron with NLB's kernel: a Gaussian window of
    /// ⌊6·sd⌋ bins (sd in bins), normalised to sum 1, applied as numpy's `convolve(x, w, 'same')`
    /// (zero beyond the trial's ends).
    public static func gaussianSmoothed(_ counts: [Float], T: Int, N: Int, sdBins sd: Double) -> [Double] {
        let L = max(Int(6 * sd), 1)
        var w = (0..<L).map { i -> Double in let z = (Double(i) - Double(L - 1) / 2) / sd; return Foundation.exp(-0.5 * z * z) }
        let total = w.reduce(0, +)
        w = w.map { $0 / total }
        // 'same' keeps the full convolution's samples from (L − 1)/2 on.
        let shift = (L - 1) / 2
        var out = [Double](repeating: 0, count: counts.count)
        for k in 0..<(counts.count / (T * N)) {
            for n in 0..<N {
                for t in 0..<T {
                    var s = 0.0, inRange = 0.0, missing = 0.0
                    // shift ≤ L − 1 keeps the lower end ≤ T − 1, so the range is never empty.
                    for j in max(0, t + shift - L + 1)...min(T - 1, t + shift) {
                        let x = counts[(k * T + j) * N + n], wj = w[t + shift - j]
                        inRange += wj
                        // A missing element (SBTT, NaN) is left out and its weight given to the
                        // observed ones; with none observed in the window the value is NaN.
                        if x.isNaN { missing += wj; continue }
                        s += Double(x) * wj
                    }
                    if missing > 0 { s = missing < inRange ? s * inRange / (inRange - missing) : .nan }
                    out[(k * T + t) * N + n] = s
                }
            }
        }
        return out
    }
}
