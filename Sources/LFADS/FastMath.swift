/// Branch-free Float activations for the training path (docs/performance.md, "Activations"): libm's expf/tanhf are
/// opaque calls that keep every activation loop scalar; these inline into plain loops over raw
/// buffers, which LLVM vectorises. Accuracy against Double libm over the whole Float range is tested
/// (FastMathTests): a few 1e−7 absolute for tanh and sigmoid, a few 1e−7 relative for exp.
/// NaN propagates (the clamps keep NaN, so a diverging step is still detected).
public enum FastMath {
    /// tanh as Eigen's 13/6 rational approximation on [−c, c], where c is the point beyond which
    /// Float tanh rounds to ±1; below 0.0004 in magnitude tanh(x) = x to Float precision.
    @inlinable @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        let c: Float = 7.90531110763549805
        let xc = Swift.min(Swift.max(x, -c), c)
        let x2 = xc * xc
        var p: Float = -2.76076847742355e-16
        p = p * x2 + 2.00018790482477e-13
        p = p * x2 - 8.60467152213735e-11
        p = p * x2 + 5.12229709037114e-08
        p = p * x2 + 1.48572235717979e-05
        p = p * x2 + 6.37261928875436e-04
        p = p * x2 + 4.89352455891786e-03
        p = p * xc
        var q: Float = 1.19825839466702e-06
        q = q * x2 + 1.18534705686654e-04
        q = q * x2 + 2.26843463243900e-03
        q = q * x2 + 4.89352518554385e-03
        return x.magnitude < 0.0004 ? x : p / q
    }

    /// σ(x) = ½ + ½·tanh(x/2): one rational evaluation, no exp and no division by 1 + e^−x.
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Float) -> Float { 0.5 + 0.5 * tanh(0.5 * x) }

    /// e^x by Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, Cephes' degree-6 polynomial for e^r,
    /// and 2^n applied as two exponent-field scalings so that overflow gives +inf and underflow 0
    /// as libm does (the rounding uses the 1.5·2^23 trick: no call to rint, which SSE2 lacks).
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let xc = Swift.min(Swift.max(x, -104), 100)
        let magic: Float = 12_582_912   // 1.5·2^23
        let t = xc * 1.44269504088896341 + magic
        let nf = t - magic
        let n = Int32(bitPattern: t.bitPattern &- magic.bitPattern)
        let r = (xc - nf * 0.693359375) + nf * 2.12194440e-4
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * r * r + r + 1
        let n1 = n >> 1, n2 = n &- n1
        let s1 = Float(bitPattern: UInt32(bitPattern: (n1 &+ 127) << 23))
        let s2 = Float(bitPattern: UInt32(bitPattern: (n2 &+ 127) << 23))
        return p * s1 * s2
    }
}
