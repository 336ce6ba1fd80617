import Foundation
import LFADS

/// Metrics of rates against data and truth (docs/data.md §4), in Float64.
public enum Metrics {
    /// Mean Poisson NLL per element (Stirling term included) of counts under rates (spikes/bin).
    /// `region` restricts it to a block of the [K·T, N] data.
    public static func poissonNLL(counts: [Float], rates: [Float], neurons N: Int = 1, region: Region? = nil) -> Double {
        var s = 0.0, n = 0
        func add(_ i: Int) {
            // A missing element (SBTT, NaN) is not scored (docs/data.md §4).
            if counts[i].isNaN { return }
            let lam = evaluable(rates[i])
            s += LFADS.poissonNLL(count: Double(counts[i]), logRate: Foundation.log(lam))
            n += 1
        }
        if let region {
            for r in region.rows(count: counts.count / N) { for c in region.columns { add(r * N + c) } }
        } else {
            for i in counts.indices { add(i) }
        }
        return s / Double(max(n, 1))
    }

    /// Per-neuron coefficient of determination averaged over neurons, over samples [K·T, N];
    /// neurons whose truth has zero variance are excluded and counted.
    public static func r2PerNeuron(truth: [Double], pred: [Float], neurons N: Int) -> (r2: Double, excluded: Int) {
        var total = 0.0, used = 0, excluded = 0
        for (ssRes, ssTot) in sumsOfSquares(truth: truth, pred: pred, columns: N) {
            if ssTot == 0 { excluded += 1; continue }
            total += 1 - ssRes / ssTot; used += 1
        }
        return (used > 0 ? total / Double(used) : .nan, excluded)
    }

    /// Per column of [rows, columns] arrays: the residual sum of squares and the total one about
    /// the truth's column mean. The R² definitions differ only in what a zero total scores.
    static func sumsOfSquares<P: BinaryFloatingPoint>(truth: [Double], pred: [P], columns B: Int) -> [(res: Double, tot: Double)] {
        let rows = truth.count / B
        return (0..<B).map { j in
            var mean = 0.0
            for r in 0..<rows { mean += truth[r * B + j] }
            mean /= Double(rows)
            var res = 0.0, tot = 0.0
            for r in 0..<rows {
                let y = truth[r * B + j], d = y - Double(pred[r * B + j])
                res += d * d; tot += (y - mean) * (y - mean)
            }
            return (res, tot)
        }
    }

    /// Squared Pearson correlation of the flattened truth and prediction.
    public static func r2Pooled(truth: [Double], pred: [Float]) -> Double {
        let n = Double(truth.count)
        var my = 0.0, mp = 0.0
        for i in truth.indices { my += truth[i]; mp += Double(pred[i]) }
        my /= n; mp /= n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in truth.indices {
            let a = truth[i] - my, b = Double(pred[i]) - mp
            sxy += a * b; sxx += a * a; syy += b * b
        }
        return sxx > 0 && syy > 0 ? sxy * sxy / (sxx * syy) : .nan
    }

    /// Bits per spike against a per-neuron mean-count null over the same elements; [K·T, N] layout.
    /// `region` restricts the elements (co-bps: held-out neurons over observed bins; fp-bps: all
    /// neurons over forward bins).
    public static func bitsPerSpike(counts: [Float], rates: [Float], neurons N: Int, region: Region? = nil) -> Double {
        let region = region ?? Region(bins: 0..<(counts.count / N), columns: 0..<N, T: counts.count / N)
        let rows = region.rows(count: counts.count / N)
        var nllModel = 0.0, nllNull = 0.0, spikes = 0.0
        for n in region.columns {
            // Missing elements (SBTT, NaN) are in neither the null mean nor either NLL.
            var mean = 0.0, observed = 0
            for r in rows where !counts[r * N + n].isNaN { mean += Double(counts[r * N + n]); observed += 1 }
            mean /= Double(observed)
            let lnNull = Foundation.log(max(mean, 1e-9))
            for r in rows where !counts[r * N + n].isNaN {
                let x = Double(counts[r * N + n]), lam = evaluable(rates[r * N + n])
                nllModel += lam - x * Foundation.log(lam)
                nllNull += max(mean, 1e-9) - x * lnNull
                spikes += x
            }
        }
        return spikes > 0 ? (nllNull - nllModel) / (spikes * Foundation.log(2.0)) : .nan
    }

    /// A rate as the metrics use it (nlb_tools): an exact 0 becomes 1e-9; a negative or NaN rate
    /// stays, so the metric comes out NaN instead of silently scoring an impossible rate.
    @inline(__always) static func evaluable(_ rate: Float) -> Double { rate == 0 ? 1e-9 : Double(rate) }

    /// A block of [K, T, N] data: bins `bins` of every trial, neuron columns `columns`.
    public struct Region: Sendable {
        public let bins: Range<Int>, columns: Range<Int>, T: Int
        public init(bins: Range<Int>, columns: Range<Int>, T: Int) {
            self.bins = bins; self.columns = columns; self.T = T
        }
        /// Row indices (k·T + t) of the region among `count` rows.
        func rows(count: Int) -> [Int] { (0..<count).filter { bins.contains($0 % T) } }
    }
}
