import LFADS

/// Adam moments for one flat parameter buffer (docs/model.md §8, PyTorch form: ε after bias correction).
public struct AdamState: Sendable, Equatable {
    public var m: [Float], v: [Float]
    /// Steps taken so far; the next step uses t = step + 1.
    public var step: Int

    public init(count: Int) {
        m = [Float](repeating: 0, count: count)
        v = [Float](repeating: 0, count: count)
        step = 0
    }

    /// θ ← θ − lr·m̂/(√v̂ + ε) for every element (every tensor is updated every step).
    public mutating func update(_ params: inout [Float], grads: [Float], lr: Double, hp: Hyperparameters) {
        step += 1
        let b1 = Float(hp.adamBeta1), b2 = Float(hp.adamBeta2), eps = Float(hp.adamEps)
        let c1 = Float(1 - pow(hp.adamBeta1, Double(step))), c2 = Float(1 - pow(hp.adamBeta2, Double(step)))
        let lrF = Float(lr)
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                params.withUnsafeMutableBufferPointer { p in
                    grads.withUnsafeBufferPointer { g in
                        for i in 0..<p.count {
                            let gi = g[i]
                            m[i] = b1 * m[i] + (1 - b1) * gi
                            v[i] = b2 * v[i] + (1 - b2) * gi * gi
                            p[i] -= lrF * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
                        }
                    }
                }
            }
        }
    }
}

/// The global L2 norm of a gradient buffer, accumulated in Double.
public func globalNorm(_ g: [Float]) -> Double {
    g.withUnsafeBufferPointer { b in
        var s = 0.0
        for x in b { s += Double(x) * Double(x) }
        return s.squareRoot()
    }
}

/// g ← g·min(1, max_norm/(n + 1e−6)); returns n (before clipping).
@discardableResult
public func clipGlobalNorm(_ g: inout [Float], maxNorm: Double) -> Double {
    let n = globalNorm(g)
    let f = min(1, maxNorm / (n + 1e-6))
    if f < 1 {
        let ff = Float(f)
        g.withUnsafeMutableBufferPointer { b in for i in 0..<b.count { b[i] *= ff } }
    }
    return n
}

import Foundation
