import CBLAS
import Foundation

/// The floating-point types the model runs in: Float for training, Double for gradient checks.
/// `exp`, `tanh` and `sigmoid` are the model's activations: Float uses the branch-free
/// approximations of FastMath (vectorisable, a few 1e−7 off libm), Double uses libm so that
/// gradient checks and golden fixtures see exact functions.
public protocol Scalar: BinaryFloatingPoint, Sendable where Self.RawSignificand: FixedWidthInteger {
    /// C[m,n] = alpha·op(A)·op(B) + beta·C, row-major.
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func sigmoid(_ x: Self) -> Self
    static func sqrt(_ x: Self) -> Self
}

extension Float: Scalar {
    @inlinable public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 { scaleInPlace(c, m: m, n: n, ldc: ldc, beta: beta); return }
        switch SmallGEMM.path(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta) {
        case .tiled:
            SmallGEMM.runTiled(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        case .libxsmm:
            if SmallGEMM.runLibxsmm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc) { return }
        case .openblas:
            break
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inlinable @inline(__always) public static func exp(_ x: Float) -> Float { FastMath.exp(x) }
    @inlinable public static func log(_ x: Float) -> Float { Foundation.log(x) }
    @inlinable @inline(__always) public static func tanh(_ x: Float) -> Float { FastMath.tanh(x) }
    @inlinable @inline(__always) public static func sigmoid(_ x: Float) -> Float { FastMath.sigmoid(x) }
    @inlinable public static func sqrt(_ x: Float) -> Float { x.squareRoot() }
}

extension Double: Scalar {
    @inlinable public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 { scaleInPlace(c, m: m, n: n, ldc: ldc, beta: beta); return }
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    @inlinable public static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
    @inlinable public static func sqrt(_ x: Double) -> Double { x.squareRoot() }
}

/// BLAS leaves C untouched for k = 0 only in some builds; the GEMM contract says C = beta·C.
@inlinable func scaleInPlace<T: Scalar>(_ c: UnsafeMutablePointer<T>, m: Int, n: Int, ldc: Int, beta: T) {
    for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
}

@inlinable @inline(__always) func sigmoid<T: Scalar>(_ x: T) -> T { T.sigmoid(x) }
