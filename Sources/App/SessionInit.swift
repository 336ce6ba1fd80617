import LFADS
import ModelIO

/// Initial parameters of a stitched model (docs/model.md §18): the base rule for every tensor
/// (`readin_init: random`: N(0, 1/in) weights, zero biases), then with `pcr` the adapters of PCRReadin.
package enum SessionInit {
    package static func parameters(_ hp: Hyperparameters, sessions: SessionSet, warnings: inout [String]) throws -> [Float] {
        var p: [Float] = Initialization.parameters(hp, seed: UInt64(hp.seed))
        guard hp.readinInit == "pcr" else { return p }
        let layout = ParameterLayout(hp)
        let adapters = try PCRReadin.adapters(sessions.sessions, R: hp.readinDim, readout: hp.readoutPcr, warnings: &warnings)
        for (s, a) in adapters.enumerated() {
            for (name, v) in [("readin.s\(s).W", a.readinW), ("readin.s\(s).b", a.readinB),
                              ("readout.s\(s).W", a.readoutW), ("readout.s\(s).b", a.readoutB)] {
                let e = layout[name]
                precondition(e.count == v.count, "\(name): \(v.count) values for \(e.count)")
                for i in 0..<v.count { p[e.offset + i] = Float(v[i]) }
            }
        }
        return p
    }
}
