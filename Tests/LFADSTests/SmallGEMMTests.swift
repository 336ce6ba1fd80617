import Foundation
import Testing
@testable import LFADS

/// The Float GEMM as the model calls it (the tiled kernel, libxsmm or OpenBLAS, as SmallGEMM picks),
/// and each fast path on its own, against a Double reference on the step's shapes, with padded
/// leading dimensions, beta 1, and the tile edges of the tiled kernel (m mod 6, n mod 16, masked
/// tails, k past one block, and the tall order).
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
        Case(m: 128, n: 93, k: 128, lda: 192, ldb: 93, ldc: 93, beta: 1),       // backward dh
        Case(m: 128, n: 29, k: 64, lda: 192, ldb: 93, ldc: 93, beta: 0),        // backward dρ, offset columns
        Case(m: 128, n: 204, k: 200, lda: 200, ldb: 204, ldc: 210, beta: 1),   // a 12-wide masked strip
        Case(m: 7, n: 5, k: 3, lda: 4, ldb: 9, ldc: 6, beta: 1),                // one masked vector, 6 + 1 rows
        Case(m: 11, n: 8, k: 17, lda: 17, ldb: 8, ldc: 9, beta: 0),             // one full vector, 6 + 5 rows
        Case(m: 16, n: 16, k: 5, lda: 5, ldb: 16, ldc: 17, beta: 1),            // one full strip, 6 + 6 + 4 rows
        Case(m: 9, n: 33, k: 300, lda: 301, ldb: 40, ldc: 35, beta: 0),         // k past one 256-step block
        Case(m: 2400, n: 29, k: 40, lda: 41, ldb: 29, ldc: 30, beta: 0),        // tall: B's block kept, A streamed
        Case(m: 300, n: 40, k: 100, lda: 100, ldb: 40, ldc: 40, beta: 0),       // past the per-step limits
    ]

    typealias Product = (_ c: Case, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) -> Void

    /// Runs `product` on random operands and returns the worst |error| against a Double reference;
    /// a column of C past n that changed is an error of infinity.
    static func worstError(_ c: Case, _ product: Product) -> Double {
        var r = SplitMix64(state: UInt64(c.m * 1000 + c.n * 10 + c.k))
        func fill(_ n: Int) -> [Float] { (0..<n).map { _ in Float(r.uniform() * 2 - 1) } }
        let a = fill(c.m * c.lda), b = fill(c.k * c.ldb), c0 = fill(c.m * c.ldc)
        var out = c0
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { cp in product(c, ap.baseAddress!, bp.baseAddress!, cp.baseAddress!) }
            }
        }
        var worst = 0.0
        for i in 0..<c.m {
            for j in 0..<c.ldc {
                let got = Double(out[i * c.ldc + j])
                guard j < c.n else {
                    if got != Double(c0[i * c.ldc + j]) { return .infinity }
                    continue
                }
                var want = Double(c.beta) * Double(c0[i * c.ldc + j])
                for l in 0..<c.k { want += Double(a[i * c.lda + l]) * Double(b[l * c.ldb + j]) }
                worst = max(worst, abs(got - want))
            }
        }
        return worst
    }

    @Test("C = A·B + βC matches a Double reference on the path the model takes", arguments: cases)
    func matchesReference(_ c: Case) {
        let worst = Self.worstError(c) { c, a, b, out in
            gemm(c.m, c.n, c.k, a, c.lda, b, c.ldb, out, c.ldc, beta: c.beta)
        }
        #expect(worst <= 1e-4, "max |error| \(worst) (infinity: a column past n was written)")
    }

    @Test("The tiled kernel on its own matches a Double reference", arguments: cases)
    func tiledMatchesReference(_ c: Case) {
        guard SmallGEMM.tiledAvailable else { return }
        let worst = Self.worstError(c) { c, a, b, out in
            SmallGEMM.runTiled(m: c.m, n: c.n, k: c.k, a: a, lda: c.lda, b: b, ldb: c.ldb, beta: c.beta, c: out, ldc: c.ldc)
        }
        #expect(worst <= 1e-4, "max |error| \(worst) (infinity: a column past n was written)")
    }

    @Test("Shapes libxsmm takes get a libxsmm kernel when this build has libxsmm")
    func libxsmmKernelsExist() {
        guard SmallGEMM.libxsmmAvailable else { return }
        for c in Self.cases where SmallGEMM.libxsmmTakes(transA: false, transB: false, m: c.m, n: c.n, k: c.k) {
            var a = [Float](repeating: 1, count: c.m * c.lda), b = [Float](repeating: 1, count: c.k * c.ldb)
            var out = [Float](repeating: 0, count: c.m * c.ldc)
            let ran = SmallGEMM.runLibxsmm(m: c.m, n: c.n, k: c.k, a: &a, lda: c.lda, b: &b, ldb: c.ldb, beta: c.beta,
                                           c: &out, ldc: c.ldc)
            #expect(ran, "no libxsmm kernel for \(c)")
        }
    }

    @Test("The tiled path takes the per-step and short-k products and leaves the weight gradients to OpenBLAS")
    func tiledRule() {
        guard SmallGEMM.mode == .tiled else { return }
        func path(_ m: Int, _ n: Int, _ k: Int, transA: Bool = false, transB: Bool = false, beta: Float = 0) -> SmallGEMM.Path {
            SmallGEMM.path(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, beta: beta)
        }
        #expect(path(128, 400, 204) == .tiled)
        #expect(path(128, 104, 200, beta: 1) == .tiled)
        #expect(path(6400, 192, 29) == .tiled)
        #expect(path(17920, 192, 137) == .openblas)
        #expect(path(64, 128, 6400, transA: true) == .openblas)
        #expect(path(6400, 128, 192, transB: true) == .openblas)
        #expect(path(128, 204, 400) == .openblas)
        #expect(path(128, 64, 64, beta: 0.5) == .openblas)
    }

    @Test("SPIKESAE_GEMM: an unknown value or a missing path falls back to the best one, with a warning")
    func modeFromEnvironment() {
        #expect(SmallGEMM.resolveMode(asked: nil, tiled: true, libxsmm: true) == (.tiled, nil))
        #expect(SmallGEMM.resolveMode(asked: nil, tiled: false, libxsmm: true) == (.libxsmm, nil))
        #expect(SmallGEMM.resolveMode(asked: nil, tiled: false, libxsmm: false) == (.openblas, nil))
        #expect(SmallGEMM.resolveMode(asked: "openblas", tiled: true, libxsmm: true) == (.openblas, nil))
        #expect(SmallGEMM.resolveMode(asked: "libxsmm", tiled: true, libxsmm: true) == (.libxsmm, nil))
        let noLibxsmm = SmallGEMM.resolveMode(asked: "libxsmm", tiled: true, libxsmm: false)
        #expect(noLibxsmm.0 == .openblas && noLibxsmm.warning?.contains("no libxsmm") == true)
        let noAVX2 = SmallGEMM.resolveMode(asked: "tiled", tiled: false, libxsmm: true)
        #expect(noAVX2.0 == .libxsmm && noAVX2.warning?.contains("AVX2") == true)
        let typo = SmallGEMM.resolveMode(asked: "openbls", tiled: true, libxsmm: false)
        #expect(typo.0 == .tiled && typo.warning?.contains("SPIKESAE_GEMM=openbls is not one of") == true)
    }
}
