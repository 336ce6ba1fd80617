import Foundation

/// Wall-clock accounting of every GEMM the model issues, so a benchmark can split a training step
/// into GEMM time and element-wise time and see which shapes run below the SGEMM peak.
/// Off by default; then each GEMM pays one load and one branch.
public enum GemmTimer {
    public struct Shape: Hashable, Sendable {
        public let m: Int, n: Int, k: Int, transA: Bool, transB: Bool
        @inlinable public init(m: Int, n: Int, k: Int, transA: Bool, transB: Bool) {
            self.m = m; self.n = n; self.k = k; self.transA = transA; self.transB = transB
        }
    }
    public struct Totals: Sendable {
        public var calls = 0
        public var nanoseconds: UInt64 = 0
        public var flops = 0.0
    }

    nonisolated(unsafe) public static var enabled = false
    /// CLOCK_MONOTONIC, or the process's CPU-time clock when the benchmark runs on CPU time.
    nonisolated(unsafe) public static var clock = CLOCK_MONOTONIC
    nonisolated(unsafe) public private(set) static var total = Totals()
    nonisolated(unsafe) public private(set) static var byShape: [Shape: Totals] = [:]

    public static func reset() { total = Totals(); byShape = [:] }

    @inlinable static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    @usableFromInline static func timed(_ s: Shape, _ body: () -> Void) {
        let t0 = now()
        body()
        let dt = now() - t0
        let f = 2.0 * Double(s.m) * Double(s.n) * Double(s.k)
        total.calls += 1; total.nanoseconds += dt; total.flops += f
        byShape[s, default: Totals()].calls += 1
        byShape[s, default: Totals()].nanoseconds += dt
        byShape[s, default: Totals()].flops += f
    }
}
