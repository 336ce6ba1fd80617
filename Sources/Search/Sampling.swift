import Config
import Foundation
import LFADS

/// Draws a value from a range; the stream is keyed by the trial, so draws don't depend on order.
public func draw(_ r: ParameterRange, using g: inout SplitMix64) -> HPValue {
    switch r.distribution {
    case .uniform: return .double(r.min + (r.max - r.min) * g.uniform())
    case .logUniform: return .double(Foundation.exp(Foundation.log(r.min) + (Foundation.log(r.max) - Foundation.log(r.min)) * g.uniform()))
    case .choice: return r.values[Int(g.next() % UInt64(r.values.count))]
    }
}

/// The hyperparameters of random-search trial `trial` at size `size`: base values with every
/// searched key drawn from its range (keys in sorted order, one stream per trial).
public func sampleTrial(base: Hyperparameters, space: [String: ParameterRange], searchSeed: Int,
                        size: Int, trial: Int) throws -> Hyperparameters {
    var hp = base
    var g = keyedStream(seed: UInt64(searchSeed), .search, 1, UInt64(size), UInt64(trial))
    for name in space.keys.sorted() { try hp.set(name, draw(space[name]!, using: &g)) }
    var sg = keyedStream(seed: UInt64(searchSeed), .search, 2, UInt64(size), UInt64(trial))
        hp.seed = Int(sg.next() >> 33)
    return hp
}
