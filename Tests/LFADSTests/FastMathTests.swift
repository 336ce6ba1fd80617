import Foundation
import Testing
@testable import LFADS

/// The Float activations against Double libm over the whole Float range (docs/performance.md, "Activations"): every
/// 61st bit pattern of each sign (about 70 million values) plus the edges that matter.
struct FastMathTests {
    /// Visits every `stride`-th finite Float of one sign, then the listed edge values.
    static func sweep(_ body: (Float) -> Void) {
        let edges: [Float] = [0, -0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
                              0.0004, -0.0004, 0.00039999, 7.9053111, -7.9053111, 8, -8, 20, -20,
                              87.3, -87.3, 88.7, -88.7, 88.72, -103, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        for e in edges { body(e) }
        let top = Float.greatestFiniteMagnitude.bitPattern
        for sign: UInt32 in [0, 0x8000_0000] {
            var bits: UInt32 = 0
            while bits <= top {
                body(Float(bitPattern: bits | sign))
                bits += 61
            }
        }
    }

    @Test func tanhIsWithinAFew1e7Absolute() {
        var worst = 0.0, at: Float = 0
        Self.sweep { x in
            let e = abs(Double(FastMath.tanh(x)) - Foundation.tanh(Double(x)))
            if e > worst { worst = e; at = x }
        }
        #expect(worst <= 4e-7, "max |Δ| \(worst) at x = \(at)")
    }

    @Test func sigmoidIsWithinAFew1e7Absolute() {
        var worst = 0.0, at: Float = 0
        Self.sweep { x in
            let ref = 1 / (1 + Foundation.exp(-Double(x)))
            let e = abs(Double(FastMath.sigmoid(x)) - ref)
            if e > worst { worst = e; at = x }
        }
        #expect(worst <= 3e-7, "max |Δ| \(worst) at x = \(at)")
    }

    /// Relative error wherever e^x is a normal Float; beyond, +inf above and (sub)normal-or-zero below.
    @Test func expIsWithinAFew1e7Relative() {
        var worst = 0.0, at: Float = 0
        Self.sweep { x in
            let ref = Foundation.exp(Double(x)), got = FastMath.exp(x)
            if ref > Double(Float.greatestFiniteMagnitude) {
                if got != .infinity { worst = .infinity; at = x }
            } else if ref >= Double(Float.leastNormalMagnitude) {
                let e = abs(Double(got) - ref) / ref
                if e > worst { worst = e; at = x }
            } else if !(got >= 0 && Double(got) <= 2 * Double(Float.leastNormalMagnitude)) {
                worst = .infinity; at = x
            }
        }
        #expect(worst <= 3e-7, "max relative error \(worst) at x = \(at)")
    }

    @Test func specialValues() {
        #expect(FastMath.tanh(.infinity) == 1 && FastMath.tanh(-.infinity) == -1)
        #expect(FastMath.sigmoid(.infinity) == 1 && FastMath.sigmoid(-.infinity) == 0)
        #expect(FastMath.exp(.infinity) == .infinity && FastMath.exp(-.infinity) == 0)
        #expect(FastMath.exp(0) == 1 && FastMath.tanh(0) == 0 && FastMath.sigmoid(0) == 0.5)
        // A diverging step must still show as non-finite.
        #expect(FastMath.tanh(.nan).isNaN && FastMath.sigmoid(.nan).isNaN && FastMath.exp(.nan).isNaN)
    }

    /// The Float model path uses them; the Double path (gradient checks, golden files) keeps libm.
    @Test func scalarDispatch() {
        #expect(Float.tanh(0.3) == FastMath.tanh(0.3) && Float.exp(0.3) == FastMath.exp(0.3))
        #expect(Double.tanh(0.3) == Foundation.tanh(0.3) && Double.exp(0.3) == Foundation.exp(0.3))
        #expect(Double.sigmoid(0.3) == 1 / (1 + Foundation.exp(-0.3)))
    }
}
