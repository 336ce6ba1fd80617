import Foundation
import Testing
@testable import LFADS

/// The Float GEMM as the model calls it (libxsmm for small shapes where this build has it, OpenBLAS
/// otherwise) against a Double reference, on the step's shapes with padded leading dimensions.
@Suite("Small GEMMs (docs/performance.md)")
struct SmallGEMMTests {
    struct Case: Sendable, CustomStringConvertible {
        let m, n, k, lda, ldb, ldc: Int
        let beta: Float
        var description: String { "\(m)×\(n)×\(k) ld \(lda)/\(ldb)/\(ldc) β \(beta)" }
    }

    static let cases: [Case] = [
        Case(m: 128, n: 128, k: 93, lda: 93, ldb: 192, ldc: 192, beta: 0),      // encoder r|u, fused rows
        Case(m: 128, n: 64, k: 93, lda: 93, ldb: 192, ldc: 192, beta: 0),       // encoder candidate
        Case(m: 128, n: 93, k: 128, lda: 192, ldb: 93, ldc: 93, beta: 1),       // backward dh (too long for libxsmm)
        Case(m: 128, n: 29, k: 64, lda: 192, ldb: 93, ldc: 93, beta: 0),        // backward dρ, offset columns
        Case(m: 7, n: 5, k: 3, lda: 4, ldb: 9, ldc: 6, beta: 1),
        Case(m: 300, n: 40, k: 100, lda: 100, ldb: 40, ldc: 40, beta: 0),       // m past the small-GEMM limit
    ]

    @Test("C = A·B + βC matches a Double reference", arguments: cases)
    func matchesReference(_ c: Case) {
        var r = SplitMix64(state: UInt64(c.m * 1000 + c.n * 10 + c.k))
        func fill(_ n: Int) -> [Float] { (0..<n).map { _ in Float(r.uniform() * 2 - 1) } }
        let a = fill(c.m * c.lda), b = fill(c.k * c.ldb), c0 = fill(c.m * c.ldc)
        var out = c0
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { cp in
                    gemm(c.m, c.n, c.k, ap.baseAddress!, c.lda, bp.baseAddress!, c.ldb, cp.baseAddress!, c.ldc, beta: c.beta)
                }
            }
        }
        var worst = 0.0
        for i in 0..<c.m {
            for j in 0..<c.ldc {
                let got = Double(out[i * c.ldc + j])
                guard j < c.n else {
                    #expect(got == Double(c0[i * c.ldc + j]), "column \(j) past n was written")
                    continue
                }
                var want = Double(c.beta) * Double(c0[i * c.ldc + j])
                for l in 0..<c.k { want += Double(a[i * c.lda + l]) * Double(b[l * c.ldb + j]) }
                worst = max(worst, abs(got - want))
            }
        }
        #expect(worst <= 1e-4, "max |error| \(worst)")
    }

    @Test("Eligible shapes get a libxsmm kernel when this build has libxsmm")
    func kernelsExist() {
        guard SmallGEMM.enabled else { return }
        for c in Self.cases where SmallGEMM.eligible(transA: false, transB: false, m: c.m, n: c.n, k: c.k, alpha: 1, beta: c.beta) {
            var a = [Float](repeating: 1, count: c.m * c.lda), b = [Float](repeating: 1, count: c.k * c.ldb)
            var out = [Float](repeating: 0, count: c.m * c.ldc)
            let ran = SmallGEMM.run(m: c.m, n: c.n, k: c.k, a: &a, lda: c.lda, b: &b, ldb: c.ldb, beta: c.beta,
                                    c: &out, ldc: c.ldc)
            #expect(ran, "no libxsmm kernel for \(c)")
        }
    }
}
