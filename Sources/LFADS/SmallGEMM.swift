import CSmallGEMM
import Foundation
import Synchronization

/// Which library runs each Float GEMM (docs/performance.md, "Small GEMMs" and "Own register-tiled
/// kernel"). OpenBLAS packs both operands on every call, which costs a fifth to a third of the time of
/// the model's per-time-step products and slows its weight gradients; two paths read the operands in
/// place instead:
/// - `tiled`: SpikeSAE's own AVX2/FMA kernel (`Sources/CSmallGEMM/tiled_gemm.c`), for products with
///   alpha 1, beta 0 or 1 and no transposes, on CPUs with AVX2 and FMA: the per-time-step products
///   (m ≤ 256, k ≤ 256, n ≤ 512) and products with k ≤ 64;
/// - `libxsmm`: libxsmm's JIT kernels, for no transposes, alpha 1, beta 0 or 1, m ≤ 256, k ≤ 112,
///   n ≤ 512, in builds that link libxsmm.
/// The path depends on the shape and the mode alone, never on timing, so a run is deterministic.
///
/// `SPIKESAE_GEMM` picks the mode at run time: `tiled` (the default where the CPU allows it),
/// `libxsmm` (the default otherwise, where linked), `openblas` (OpenBLAS for every product).
public enum SmallGEMM {
    public static let maxM = 256, maxK = 112, maxN = 512
    public static let tiledMaxM = 256, tiledMaxK = 256, tiledTallMaxK = 64

    public enum Path: String, Sendable { case tiled, libxsmm, openblas }

    public enum Mode: String, Sendable { case tiled, libxsmm, openblas }

    public static let tiledAvailable = spikesae_tiled_gemm_available() != 0
    public static let libxsmmAvailable = spikesae_small_gemm_available() != 0

    /// This process's mode; a requested path this machine or build lacks falls back to the next one.
    public static let mode: Mode = {
        let asked = ProcessInfo.processInfo.environment["SPIKESAE_GEMM"].flatMap(Mode.init(rawValue:))
        switch asked {
        case .openblas?: return .openblas
        case .libxsmm?: return libxsmmAvailable ? .libxsmm : .openblas
        case .tiled?, nil: return tiledAvailable ? .tiled : libxsmmAvailable ? .libxsmm : .openblas
        }
    }()

    /// The name `bench` reports for the path small products take.
    public static var library: String {
        switch mode { case .tiled: "tiled"; case .libxsmm: "libxsmm"; case .openblas: "none" }
    }

    /// The path a product of this shape takes.
    @inlinable public static func path(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float) -> Path {
        guard alpha == 1, beta == 0 || beta == 1, m > 0, n > 0, k > 0 else { return .openblas }
        switch mode {
        case .tiled: return tiledTakes(transA: transA, transB: transB, m: m, n: n, k: k) ? .tiled : .openblas
        case .libxsmm: return libxsmmTakes(transA: transA, transB: transB, m: m, n: n, k: k) ? .libxsmm : .openblas
        case .openblas: return .openblas
        }
    }

    /// The tiled kernel's shapes. Measured per shape in the step (docs/performance.md), it beats
    /// OpenBLAS and libxsmm on the per-time-step products and on products with a short inner
    /// dimension, and loses to OpenBLAS's packing on the long weight-gradient products (Aᵀ·B over all
    /// T·B rows) and on tall products with a long inner dimension.
    @inlinable public static func tiledTakes(transA: Bool, transB: Bool, m: Int, n: Int, k: Int) -> Bool {
        !transA && !transB && ((m <= tiledMaxM && k <= tiledMaxK && n <= maxN) || k <= tiledTallMaxK)
    }

    /// libxsmm's shapes: it wins only for short inner dimensions.
    @inlinable public static func libxsmmTakes(transA: Bool, transB: Bool, m: Int, n: Int, k: Int) -> Bool {
        !transA && !transB && m <= maxM && k <= maxK && n <= maxN
    }

    /// C = A·B + beta·C on the tiled kernel (beta 0 or 1).
    @usableFromInline static func runTiled(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                                           b: UnsafePointer<Float>, ldb: Int, beta: Float,
                                           c: UnsafeMutablePointer<Float>, ldc: Int) {
        spikesae_tiled_gemm(m, n, k, a, lda, b, ldb, c, ldc, beta == 1 ? 1 : 0)
    }

    struct Key: Hashable {
        let m, n, k, lda, ldb, ldc: Int32
        let betaOne: Bool
    }

    /// JIT kernels by shape; 0 = libxsmm declined the shape (OpenBLAS then).
    private static let kernels = Mutex<[Key: UInt]>([:])

    /// Runs C = A·B + beta·C on a libxsmm kernel; false when libxsmm has none for the shape.
    @usableFromInline static func runLibxsmm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
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
