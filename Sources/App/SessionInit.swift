import LFADS
import ModelIO

/// Initial parameters of a stitched model (docs/model.md §18): the base rule for every tensor
/// (`readin_init: random`: N(0, 1/in) weights, zero biases), then with `pcr` the adapters of PCRReadin
/// (for P > 1 read-out channels, in the first channel block only).
package enum SessionInit {
    package static func parameters(_ hp: Hyperparameters, sessions: SessionSet, warnings: inout [String]) throws -> [Float] {
        var p: [Float] = Initialization.parameters(hp, seed: UInt64(hp.seed))
        guard hp.readinInit == "pcr" else { return p }
        let layout = ParameterLayout(hp)
        let adapters = try PCRReadin.adapters(sessions.sessions, R: hp.readinDim, readout: hp.readoutPcr, warnings: &warnings)
        let P = hp.observation.channels
        for (s, a) in adapters.enumerated() {
            for (name, v) in [("readin.s\(s).W", a.readinW), ("readin.s\(s).b", a.readinB)] {
                let e = layout[name]
                precondition(e.count == v.count, "\(name): \(v.count) values for \(e.count)")
                for i in 0..<v.count { p[e.offset + i] = Float(v[i]) }
            }
            // With P > 1 channels (docs/model.md §14) PCR fills the first channel block, columns 0..<N_s of
            // readout [F,N_s·P]; the other blocks keep the base rule's values.
            let N = hp.sessions[s].neurons, w = layout["readout.s\(s).W"], b = layout["readout.s\(s).b"]
            precondition(a.readoutW.count == hp.facDim * N && a.readoutB.count == N, "readout.s\(s): PCR shape")
            for f in 0..<hp.facDim { for j in 0..<N { p[w.offset + f * N * P + j] = Float(a.readoutW[f * N + j]) } }
            for j in 0..<N { p[b.offset + j] = Float(a.readoutB[j]) }
        }
        return p
    }
}
