import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): small, fast, platform-independent; used as the stream of
/// a counter-based generator, so every random tensor is a pure function of its key.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }

    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    @inlinable public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Standard normal by Box–Muller (one value per two uniforms, so the stream position is fixed).
    @inlinable public mutating func normal() -> Double {
        let u1 = (Double(next() >> 11) + 1) * 0x1p-53
        let u2 = uniform()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// Poisson draw by inversion of the CDF (exact for the small means of spiking data).
    public mutating func poisson(_ mean: Double) -> Int {
        if mean <= 0 { return 0 }
        if mean > 500 { return max(0, Int((mean + mean.squareRoot() * normal()).rounded())) }
        let u = uniform()
        var k = 0, p = Foundation.exp(-mean), cdf = p
        while u > cdf && k < 100_000 {
            k += 1
            p *= mean / Double(k)
            cdf += p
            if p == 0 && cdf < u { break }
        }
        return k
    }
}

extension SplitMix64 {
    /// Gamma(shape, 1) by Marsaglia & Tsang (2000) for shape ≥ 1; a variable number of draws, so
    /// only a stream that owns the rest of its sequence (synthetic data) may call it.
    public mutating func gamma(shape a: Double) -> Double {
        precondition(a >= 1, "gamma(shape:) needs shape ≥ 1")
        let d = a - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            let x = normal(), t = 1 + c * x
            if t <= 0 { continue }
            let v = t * t * t, u = uniform()
            if u > 0, Foundation.log(u) < 0.5 * x * x + d - d * v + d * Foundation.log(v) { return d * v }
        }
    }
}

/// What a random stream is for; part of its key, so streams of different purposes never coincide.
public enum StreamPurpose: UInt64, Sendable {
    case initialization = 1, shuffle, dropoutInput, dropoutIC, dropoutCI, dropoutFactorsToCon, dropoutG0,
         dropoutGen, cdKeep, cdPass, svMask, epsIC, epsCO, epsKL, synth, subset, testData, search,
         /// External-input dropout d_ext (docs/model.md §16): last, so no earlier purpose's key moves.
         dropoutExt,
         /// Temporal shift (docs/model.md §17); appended, so no earlier stream moves.
         tshiftEnc, tshiftRec
}

/// The stream keyed by (seed, purpose, a, b, c), e.g. (seed, purpose, epoch, step, trial index): a trial
/// gets the same draws whatever batch or rank it lands in.
public func keyedStream(seed: UInt64, _ purpose: StreamPurpose, _ a: UInt64 = 0, _ b: UInt64 = 0, _ c: UInt64 = 0) -> SplitMix64 {
    var h = SplitMix64.mix(seed ^ 0x5350_494B_4553_4145)   // "SPIKESAE"
    for word in [purpose.rawValue, a, b, c] { h = SplitMix64.mix(h &+ 0x9E37_79B9_7F4A_7C15 ^ word) }
    return SplitMix64(state: h)
}
