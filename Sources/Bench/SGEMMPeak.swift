import CBLAS

/// This build's single-call SGEMM rate on a large square product: the reference the step's
/// "floor" (F_step / peak) is measured against, in the same run and under the same thread count.
public enum SGEMMPeak {
    /// Best GFLOP/s of `repeats` row-major n×n·n×n products (after one untimed call).
    public static func measure(n: Int = 1024, repeats: Int = 5) -> Double {
        var a = [Float](repeating: 0, count: n * n), b = a, c = a
        var r = UInt64(12345)
        for i in 0..<(n * n) {
            r = r &* 6364136223846793005 &+ 1442695040888963407
            a[i] = Float(Int64(bitPattern: r >> 11) % 1000) / 1000 - 0.5
            b[(i * 7) % (n * n)] = a[i]
        }
        let flops = 2 * Double(n) * Double(n) * Double(n)
        var best = 0.0
        for i in 0...repeats {
            let t0 = benchSeconds()
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1,
                                    ap.baseAddress, Int32(n), bp.baseAddress, Int32(n), 0, cp.baseAddress, Int32(n))
                    }
                }
            }
            let dt = benchSeconds() - t0
            if i > 0 { best = max(best, flops / dt / 1e9) }
        }
        return best
    }
}
