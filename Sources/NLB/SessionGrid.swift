import Foundation

/// The session on nlb_tools' time grid (docs/real-data.md §2): 1 ms bins from time 0 to the end
/// of the recording, summed into bins of `binMs`; continuous signals decimated by a zero-phase FIR.
struct SessionGrid {
    let session: NWBSession
    /// Number of 1 ms bins.
    let msCount: Int
    let binMs: Int
    var binCount: Int { (msCount + binMs - 1) / binMs }
    /// Per unit, the sorted 1 ms bin of each spike inside the recording.
    let spikeMs: [[Int]]
    /// Per unit, the observed 1 ms ranges; empty when the file has no obs_intervals (all observed).
    let observedMs: [[Range<Int>]]

    init(_ s: NWBSession, binMs: Int) {
        session = s
        self.binMs = binMs
        // nlb_tools: the end of the last obs_interval over all units (Python's round), else the last trial.
        if s.hasObsIntervals {
            let end = s.units.compactMap { $0.observed.last?.1 }.max() ?? s.lastStopTime
            msCount = Int((end * 1000).rounded(.toNearestOrEven))
        } else {
            msCount = Int((s.lastStopTime * 1000).rounded(.toNearestOrEven))
        }
        spikeMs = s.units.map { u in u.spikeTimes.map(SessionGrid.msIndex).filter { $0 >= 0 }.sorted() }
        // nlb_tools masks each group (held-in, held-out) with its first unit's obs_intervals.
        let firstHeldin = s.units.first { !$0.heldout }, firstHeldout = s.units.first { $0.heldout }
        let count = msCount
        observedMs = s.hasObsIntervals ? s.units.map { u in
            let source = (u.heldout ? firstHeldout : firstHeldin) ?? u
            return source.observed.map { a, b -> Range<Int> in
                let lo = Int(SessionGrid.round6(a * 1000).rounded(.up)), hi = Int(SessionGrid.round6(b * 1000).rounded(.down))
                return max(0, lo)..<max(max(0, lo), min(hi, count))
            }
        } : []
    }

    /// numpy's round(x, 6): scale, round half to even, unscale.
    static func round6(_ x: Double) -> Double { (x * 1e6).rounded(.toNearestOrEven) / 1e6 }

    /// The 1 ms bin of a spike at `t` seconds, as nlb_tools computes it: round to 6 decimals in ms,
    /// then truncate toward zero.
    static func msIndex(_ t: Double) -> Int {
        let v = round6(t * 1000)
        // Beyond ±2^53 ms no time is meaningful, and Int() would trap on it.
        return v.isFinite && abs(v) < 9e15 ? Int(v.rounded(.towardZero)) : -1
    }

    func isObserved(unit: Int, ms: Int) -> Bool {
        guard !observedMs.isEmpty else { return ms >= 0 && ms < msCount }
        return observedMs[unit].contains { $0.contains(ms) }
    }

    /// Spikes of `unit` in bin `b` (the 1 ms bins b·binMs ..< (b+1)·binMs, the last bin possibly
    /// shorter), counting only observed ms; nil (NaN in nlb_tools) when the bin's first ms is unobserved.
    func count(unit: Int, bin b: Int) -> Double? {
        let lo = b * binMs, hi = min(lo + binMs, msCount)
        guard isObserved(unit: unit, ms: lo) else { return nil }
        let ms = spikeMs[unit]
        var i = lowerBound(ms, lo), n = 0
        while i < ms.count && ms[i] < hi {
            if observedMs.isEmpty || isObserved(unit: unit, ms: ms[i]) { n += 1 }
            i += 1
        }
        return Double(n)
    }

    /// The window's first bin: the first bin starting at or after `alignSeconds + offsetMs`, with
    /// times in whole nanoseconds as pandas holds them.
    func firstBin(alignSeconds: Double, offsetMs: Int) -> Int {
        // A time past ±10^9 s (32 years) is no recording's; answer a bin that fails the range check.
        guard abs(alignSeconds) < 1e9 else { return Int.min / 2 }
        let ns = Int64((alignSeconds * 1e9).rounded()) + Int64(offsetMs) * 1_000_000
        let binNs = Int64(binMs) * 1_000_000
        return Int(ns >= 0 ? (ns + binNs - 1) / binNs : -((-ns) / binNs))
    }

    // MARK: - Behaviour

    /// The behaviour channels on the bin grid [binCount, channels]: samples placed on the 1 ms grid,
    /// gaps filled linearly (nearest value at the ends), decimated by `decimate`; bins whose first
    /// ms had no sample are NaN.
    func behaviorOnBins() throws -> [Double] {
        let s = session, C = s.behaviorChannels
        var grid = [Double](repeating: .nan, count: msCount * C)
        for (i, t) in s.behaviorTimes.enumerated() {
            let v = SessionGrid.round6(t * 1000)
            guard v == v.rounded(), abs(v) < 9e15 else {
                throw PrepareError(file: s.path, path: "behaviour timestamps",
                                   "sample \(i) at \(t) s is not on the 1 ms grid nlb_tools bins on")
            }
            let ms = Int(v)
            guard ms >= 0 && ms < msCount else { continue }
            for c in 0..<C { grid[ms * C + c] = s.behavior[i * C + c] }
        }
        var out = [Double](repeating: 0, count: binCount * C)
        for c in 0..<C {
            var x = (0..<msCount).map { grid[$0 * C + c] }
            let missing = x.map(\.isNaN)
            SessionGrid.fillGaps(&x)
            let y = binMs == 1 ? x : SessionGrid.decimate(x, factor: binMs)
            for b in 0..<binCount { out[b * C + c] = missing[b * binMs] ? .nan : y[b] }
        }
        return out
    }

    /// Linear interpolation across NaN runs; runs at either end take the nearest value (pandas
    /// `interpolate(limit_direction='both')`).
    static func fillGaps(_ x: inout [Double]) {
        let known = x.indices.filter { !x[$0].isNaN }
        guard let first = known.first, let last = known.last else { return }
        for i in 0..<first { x[i] = x[first] }
        for i in (last + 1)..<x.count { x[i] = x[last] }
        for (a, b) in zip(known, known.dropFirst()) where b > a + 1 {
            for i in (a + 1)..<b { x[i] = x[a] + (x[b] - x[a]) * Double(i - a) / Double(b - a) }
        }
    }

    /// scipy.signal.decimate(x, q, n=500, ftype='fir') (zero phase): a 501-tap Hamming-windowed
    /// low-pass FIR with cutoff 1/q of Nyquist, normalised to unit DC gain, centred on every q-th
    /// sample, zero beyond the ends. This is what resample_poly(x, 1, q, window=h) works out to.
    static func decimate(_ x: [Double], factor q: Int) -> [Double] {
        let h = lowpass(taps: 501, cutoff: 1 / Double(q)), half = 250
        let n = x.count, out = (n + q - 1) / q
        return (0..<out).map { i in
            let centre = q * i + half
            var s = 0.0
            for j in max(0, centre - (n - 1))...min(500, centre) { s += h[j] * x[centre - j] }
            return s
        }
    }

    /// scipy.signal.firwin(taps, cutoff, window='hamming'): windowed sinc, scaled to gain 1 at DC.
    static func lowpass(taps: Int, cutoff: Double) -> [Double] {
        let alpha = 0.5 * Double(taps - 1)
        var h = (0..<taps).map { i -> Double in
            let m = Double(i) - alpha, x = cutoff * m
            let sinc = x == 0 ? 1 : Foundation.sin(Double.pi * x) / (Double.pi * x)
            let window = 0.54 - 0.46 * Foundation.cos(2 * Double.pi * Double(i) / Double(taps - 1))
            return cutoff * sinc * window
        }
        let total = h.reduce(0, +)
        for i in h.indices { h[i] /= total }
        return h
    }
}

/// Index of the first element of sorted `a` that is >= `value`.
func lowerBound(_ a: [Int], _ value: Int) -> Int {
    var lo = 0, hi = a.count
    while lo < hi {
        let mid = (lo + hi) / 2
        if a[mid] < value { lo = mid + 1 } else { hi = mid }
    }
    return lo
}
