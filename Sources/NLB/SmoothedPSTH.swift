import Foundation

/// NLB's target PSTHs (docs/real-data.md §2, PSTHs): each unit's 1 ms counts smoothed over the whole
/// session by a Gaussian (within each observed stretch, zero beyond it), then summed into bins;
/// per condition, the mean over its train and valid trials of the observed window.
struct SmoothedPSTH {
    let grid: SessionGrid
    /// Kernel on the 1 ms grid: scipy.signal.windows.gaussian(⌊6·sd⌋, sd), normalised to sum 1.
    let kernel: [Double]
    /// scipy's convolve(…, 'same') keeps the full convolution from (L − 1)/2 on.
    let shift: Int
    /// Per unit, the maximal observed runs of ms (what nlb_tools smooths separately).
    let segments: [[Range<Int>]]

    init(grid: SessionGrid, sdMs: Double) {
        self.grid = grid
        let L = max(Int(6 * sdMs), 1)
        var w = (0..<L).map { i -> Double in
            let z = (Double(i) - Double(L - 1) / 2) / sdMs
            return Foundation.exp(-0.5 * z * z)
        }
        let total = w.reduce(0, +)
        for i in w.indices { w[i] /= total }
        kernel = w
        shift = (L - 1) / 2
        segments = grid.session.units.indices.map { u in
            grid.observedMs.isEmpty ? [0..<grid.msCount] : SmoothedPSTH.merged(grid.observedMs[u])
        }
    }

    static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for r in ranges.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, r.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else { out.append(r) }
        }
        return out
    }

    /// The smoothed value of `unit` summed over bin `b`; NaN when the bin's first ms is unobserved.
    /// Smoothed ms i is Σ over spikes s in i's observed run of kernel[i + shift − s].
    func value(unit u: Int, bin b: Int) -> Double {
        let binMs = grid.binMs, lo = b * binMs, hi = min(lo + binMs, grid.msCount)
        guard let first = segments[u].first(where: { $0.contains(lo) }) else { return .nan }
        let spikes = grid.spikeMs[u], L = kernel.count
        var total = 0.0
        for i in lo..<hi {
            guard let seg = first.contains(i) ? first : segments[u].first(where: { $0.contains(i) }) else { continue }
            let from = max(seg.lowerBound, i + shift - L + 1), to = min(seg.upperBound, i + shift + 1)
            guard from < to else { continue }
            var k = lowerBound(spikes, from)
            while k < spikes.count && spikes[k] < to {
                total += kernel[i + shift - spikes[k]]
                k += 1
            }
        }
        return total
    }

    /// [C, T, U] condition means over `trialsByCondition` (first bins of each trial's window),
    /// columns in `unitOrder`; NaN values are left out of a mean, as pandas does.
    func psth(trialsByCondition: [[Int]], T: Int, unitOrder: [Int]) -> [Double] {
        let U = unitOrder.count
        var out = [Double](repeating: .nan, count: trialsByCondition.count * T * U)
        for (c, firsts) in trialsByCondition.enumerated() {
            for t in 0..<T {
                for (col, u) in unitOrder.enumerated() {
                    var s = 0.0, n = 0
                    for f in firsts {
                        let v = value(unit: u, bin: f + t)
                        if !v.isNaN { s += v; n += 1 }
                    }
                    out[(c * T + t) * U + col] = n > 0 ? s / Double(n) : .nan
                }
            }
        }
        return out
    }
}
