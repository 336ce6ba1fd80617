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
    public static let tiledMaxM = 256, tiledMaxK = 256, tiledMaxN = 512, tiledTallMaxK = 64

    /// Where a product runs; also this process's preferred path for the products each one takes.
    public enum Path: String, Sendable { case tiled, libxsmm, openblas }

    public static let tiledAvailable = spikesae_tiled_gemm_available() != 0
    public static let libxsmmAvailable = spikesae_small_gemm_available() != 0

    /// This process's mode, from `SPIKESAE_GEMM`; a warning on stderr when the value is unknown or
    /// names a path this machine or build lacks.
    public static let mode: Path = {
        let (mode, warning) = resolveMode(asked: ProcessInfo.processInfo.environment["SPIKESAE_GEMM"],
                                          tiled: tiledAvailable, libxsmm: libxsmmAvailable)
        if let warning { FileHandle.standardError.write(Data("spikesae: warning: \(warning)\n".utf8)) }
        return mode
    }()

    /// The mode for a `SPIKESAE_GEMM` value (nil: unset) on a machine with the given paths: the asked
    /// one if available, else the best available one (tiled, libxsmm, OpenBLAS), with a warning.
    public static func resolveMode(asked: String?, tiled: Bool, libxsmm: Bool) -> (Path, warning: String?) {
        let best: Path = tiled ? .tiled : libxsmm ? .libxsmm : .openblas
        guard let asked, !asked.isEmpty else { return (best, nil) }
        guard let mode = Path(rawValue: asked) else {
            return (best, "SPIKESAE_GEMM=\(asked) is not one of tiled, libxsmm, openblas; using \(best.rawValue)")
        }
        switch mode {
        case .openblas: return (.openblas, nil)
        case .libxsmm where libxsmm, .tiled where tiled: return (mode, nil)
        case .libxsmm: return (.openblas, "SPIKESAE_GEMM=libxsmm, but this build has no libxsmm; using openblas")
        case .tiled:
            return (best, "SPIKESAE_GEMM=tiled, but this CPU lacks AVX2 or FMA; using \(best.rawValue)")
        }
    }

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
        !transA && !transB && ((m <= tiledMaxM && k <= tiledMaxK && n <= tiledMaxN) || k <= tiledTallMaxK)
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
