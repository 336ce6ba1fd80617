/// One named tensor inside the flat parameter buffer.
public struct TensorEntry: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
}

/// The §10 tensor list for given hyperparameters, with offsets into one flat buffer.
/// Parameters, gradients and both Adam moments all share this layout.
public struct ParameterLayout: Sendable, Equatable {
    public let entries: [TensorEntry]
    public let count: Int
    private let index: [String: Int]

    public init(_ hp: Hyperparameters) {
        self.init(list: hp.readinDim > 0 ? Self.stitchedTensors(hp) : Self.baseTensors(hp))
    }

    /// The base model's tensors in order (§10).
    static func baseTensors(_ hp: Hyperparameters) -> [(String, [Int])] {
        let N = hp.dataDim, Eic = hp.icEncDim, Eci = hp.ciEncDim, Hc = hp.conDim, U = hp.coDim
        let D = hp.icDim, Hg = hp.genDim, F = hp.facDim
        var list: [(String, [Int])] = []
        func gru(_ p: String, _ i: Int, _ h: Int, h0: Bool) {
            list += [("\(p).W_x", [i, 3 * h]), ("\(p).W_h", [h, 3 * h]), ("\(p).b", [3 * h])]
            if h0 { list.append(("\(p).h0", [h])) }
        }
        gru("ic_enc_fwd", N, Eic, h0: true)
        gru("ic_enc_bwd", N, Eic, h0: true)
        list += [("ic_post.W_mean", [2 * Eic, D]), ("ic_post.W_logvar", [2 * Eic, D]),
                 ("ic_post.b_mean", [D]), ("ic_post.b_logvar", [D]), ("ic_prior.mean", [D]),
                 ("ic_to_g0.W", [D, Hg]), ("ic_to_g0.b", [Hg])]
        if U > 0 {
            gru("ci_enc_fwd", N, Eci, h0: true)
            gru("ci_enc_bwd", N, Eci, h0: true)
            gru("con", 2 * Eci + F, Hc, h0: true)
            list += [("co_post.W_mean", [Hc, U]), ("co_post.W_logvar", [Hc, U]),
                     ("co_post.b_mean", [U]), ("co_post.b_logvar", [U]),
                     ("co_prior.log_tau", [U]), ("co_prior.log_nvar", [U])]
        }
        // External inputs (§16) widen gen.W_x below its u rows: rows [u | ext], so E = 0 is the base layout.
        gru("gen", U + hp.extInputDim, Hg, h0: false)
        // P read-out channels per neuron, block p = columns p·N…p·N+N−1 (docs/model.md §14); P = 1
        // (Poisson) is the base layout, and new tensors go last so no earlier offset or init stream moves.
        let P = hp.observation.channels
        list += [("fac.W", [Hg, F]), ("readout.W", [F, N * P]), ("readout.b", [N * P])]
        if hp.observation.hasScale { list.append(("zig.scale", [2, N])) }
        return list
    }

    init(list: [(String, [Int])]) {
        var offset = 0
        var e: [TensorEntry] = []
        for (name, shape) in list {
            let t = TensorEntry(name: name, shape: shape, offset: offset)
            e.append(t)
            offset += t.count
        }
        entries = e
        count = offset
        index = Dictionary(uniqueKeysWithValues: e.enumerated().map { ($1.name, $0) })
    }

    public subscript(name: String) -> TensorEntry {
        guard let i = index[name] else { preconditionFailure("no tensor '\(name)' in this layout") }
        return entries[i]
    }
    public func contains(_ name: String) -> Bool { index[name] != nil }
    public var names: [String] { entries.map(\.name) }
}
