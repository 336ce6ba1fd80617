/// Initial parameters in distribution as docs/model.md §2 and §4 specify.
public enum Initialization {
    public static func parameters<T: Scalar>(_ hp: Hyperparameters, seed: UInt64, as: T.Type = T.self) -> [T] {
        let layout = ParameterLayout(hp)
        var p = [T](repeating: 0, count: layout.count)
        let gruStd: [String: (Double, Double)] = {
            var m: [String: (Double, Double)] = [:]
            func enc(_ n: String, _ i: Int, _ h: Int) { let s = 1 / Double(i + h).squareRoot(); m[n] = (s, s) }
            enc("ic_enc_fwd", hp.dataDim, hp.icEncDim); enc("ic_enc_bwd", hp.dataDim, hp.icEncDim)
            enc("ci_enc_fwd", hp.dataDim, hp.ciEncDim); enc("ci_enc_bwd", hp.dataDim, hp.ciEncDim)
            m["con"] = (1 / Double(max(2 * hp.ciEncDim + hp.facDim, 1)).squareRoot(), 1 / Double(hp.conDim).squareRoot())
            m["gen"] = (1 / Double(max(hp.coDim + hp.extInputDim, 1)).squareRoot(), 1 / Double(hp.genDim).squareRoot())
            return m
        }()
        for (idx, e) in layout.entries.enumerated() {
            // The field follows the last dot ("readin.s0.W" is module "readin.s0", field "W", §18).
            let dot = e.name.lastIndex(of: ".")!
            let (module, field) = (String(e.name[..<dot]), String(e.name[e.name.index(after: dot)...]))
            var std = 0.0
            if let s = gruStd[module] {
                if field == "W_x" { std = s.0 } else if field == "W_h" { std = s.1 }
            } else if field.hasPrefix("W") {
                std = 1 / Double(e.shape[0]).squareRoot()
            }
            var rng = keyedStream(seed: seed, .initialization, UInt64(idx))
            for i in 0..<e.count {
                var v = 0.0
                if std > 0 { v = std * rng.normal() }
                if field == "b", gruStd[module] != nil {
                    v = i < 2 * (e.count / 3) ? 1 : 0   // gate biases start at 1, candidate at 0
                }
                p[e.offset + i] = T(v)
            }
        }
        // One K [2,N] for the base model, one per session for a stitched one (docs/model.md §18).
        for k in layout.entries where k.name == "zig.scale" || (k.name.hasPrefix("zig.s") && k.name.hasSuffix(".scale")) {
            for i in 0..<k.count { p[k.offset + i] = T(hp.zigScaleInit) }
        }
        let U = hp.coDim
        if U > 0 {
            for k in 0..<U {
                p[layout["co_prior.log_tau"].offset + k] = T(Foundation.log(hp.coPriorTau))
                p[layout["co_prior.log_nvar"].offset + k] = T(Foundation.log(hp.coPriorNvar))
            }
        }
        return p
    }
}

import Foundation
