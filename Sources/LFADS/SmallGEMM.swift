import CSmallGEMM
import Foundation
import Synchronization

/// The Float GEMMs that run on libxsmm's JIT kernels instead of OpenBLAS (docs/performance.md,
/// "Small GEMMs"). OpenBLAS packs both operands on every call, which costs a fifth to a third of the
/// time of a [128, ≤ 200] × [≤ 112, ·] product; a JIT kernel for the exact shape reads them in place.
/// Measured per shape, libxsmm wins only for short inner dimensions, so only those go to it:
/// no transposes, alpha 1, beta 0 or 1, m ≤ 256, k ≤ 112, n ≤ 512. The rule depends on the shape
/// alone, never on timing, so a run is deterministic.
///
/// Builds without libxsmm (Package.swift looks for it) and `SPIKESAE_GEMM=openblas` use OpenBLAS for
/// every product.
public enum SmallGEMM {
    public static let maxM = 256, maxK = 112, maxN = 512

    /// Whether this process sends eligible shapes to libxsmm.
    public static let enabled: Bool =
        spikesae_small_gemm_available() != 0 && ProcessInfo.processInfo.environment["SPIKESAE_GEMM"] != "openblas"

    /// The library name `bench` reports for the small-GEMM path.
    public static var library: String { enabled ? "libxsmm" : "none" }

    struct Key: Hashable {
        let m, n, k, lda, ldb, ldc: Int32
        let betaOne: Bool
    }

    /// JIT kernels by shape; 0 = libxsmm declined the shape (OpenBLAS then).
    private static let kernels = Mutex<[Key: UInt]>([:])

    /// Whether a product of this shape goes to libxsmm.
    @inlinable public static func eligible(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float) -> Bool {
        enabled && !transA && !transB && alpha == 1 && (beta == 0 || beta == 1)
            && m <= maxM && k <= maxK && n <= maxN && m > 0 && n > 0 && k > 0
    }

    /// Runs C = A·B + beta·C on a libxsmm kernel; false when libxsmm has none for the shape.
    @usableFromInline static func run(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                                      b: UnsafePointer<Float>, ldb: Int, beta: Float,
                                      c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
        let key = Key(m: Int32(m), n: Int32(n), k: Int32(k), lda: Int32(lda), ldb: Int32(ldb), ldc: Int32(ldc),
                      betaOne: beta == 1)
        let bits = kernels.withLock { table -> UInt in
            if let known = table[key] { return known }
            let made = UInt(bitPattern: spikesae_small_gemm_kernel(
                key.m, key.n, key.k, key.lda, key.ldb, key.ldc, key.betaOne ? 1 : 0))
            table[key] = made
            return made
        }
        guard let kernel = UnsafeRawPointer(bitPattern: bits) else { return false }
        spikesae_small_gemm_run(kernel, a, b, c)
        return true
    }
}
