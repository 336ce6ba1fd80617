import Foundation

/// A fixed-size, zero-initialised scratch array owned by a model workspace.
/// Raw storage keeps hot loops free of bounds, uniqueness and exclusivity checks.
public final class Buffer<T: Scalar> {
    public let count: Int
    public let p: UnsafeMutablePointer<T>

    public init(_ count: Int) {
        self.count = count
        p = .allocate(capacity: max(count, 1))
        zero()
    }
    deinit { p.deallocate() }

    /// memset: the generic `update(repeating:)` runs unspecialised here, element by element through
    /// a value witness, which made building a model cost as much as a forward pass. All-zero bytes
    /// are 0.0 in both Scalar types.
    public func zero() { memset(p, 0, max(count, 1) * MemoryLayout<T>.stride) }
    public func fill(_ v: T) { p.update(repeating: v, count: count) }
    public var array: [T] { Array(UnsafeBufferPointer(start: p, count: count)) }
    public func copy(from a: [T]) {
        precondition(a.count == count, "buffer size \(count) vs \(a.count)")
        a.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: count) }
    }
    @inlinable public subscript(i: Int) -> T {
        get { p[i] }
        set { p[i] = newValue }
    }
}

/// Row-major GEMM on raw pointers with leading dimensions; C = alpha·op(A)·op(B) + beta·C.
@inlinable func gemm<T: Scalar>(
    _ m: Int, _ n: Int, _ k: Int,
    _ a: UnsafePointer<T>, _ lda: Int, transA: Bool = false,
    _ b: UnsafePointer<T>, _ ldb: Int, transB: Bool = false,
    _ c: UnsafeMutablePointer<T>, _ ldc: Int, alpha: T = 1, beta: T = 0
) {
    if GemmTimer.enabled {
        GemmTimer.timed(.init(m: m, n: n, k: k, transA: transA, transB: transB)) {
            T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                   a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
        return
    }
    T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
           a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

/// Adds each row of x [rows, cols] (leading dim ld) into acc [cols].
@inlinable func addColumnSums<T: Scalar>(_ x: UnsafePointer<T>, rows: Int, cols: Int, ld: Int, into acc: UnsafeMutablePointer<T>) {
    for r in 0..<rows {
        let row = x + r * ld
        for j in 0..<cols { acc[j] += row[j] }
    }
}

/// Sets every row of y [rows, cols] (leading dim ld) to v [cols].
@inlinable func broadcastRows<T: Scalar>(_ v: UnsafePointer<T>, rows: Int, cols: Int, into y: UnsafeMutablePointer<T>, ld: Int) {
    for r in 0..<rows { (y + r * ld).update(from: v, count: cols) }
}

/// Writes the transpose of a [rows, cols] row-major block into out [cols, rows].
@inlinable func transpose<T: Scalar>(_ a: UnsafePointer<T>, rows: Int, cols: Int, into out: UnsafeMutablePointer<T>) {
    for r in 0..<rows {
        let row = a + r * cols
        for c in 0..<cols { out[c * rows + r] = row[c] }
    }
}
