/// One recording session of a stitched model (docs/model.md §18): its neurons N_s, of which the last
/// `heldout` are never shown to the encoder, and its forward bins.
public struct SessionShape: Sendable, Equatable, CustomStringConvertible {
    public let neurons: Int, heldout: Int, forwardBins: Int
    public init(neurons: Int, heldout: Int = 0, forwardBins: Int = 0) {
        self.neurons = neurons; self.heldout = heldout; self.forwardBins = forwardBins
    }
    /// "N:heldout:forward_bins", the form `session_shapes` lists.
    public var description: String { "\(neurons):\(heldout):\(forwardBins)" }
}

extension Hyperparameters {
    static let sessionAccessors: [(String, Accessor)] = [
        int(\.readinDim, "readin_dim"), str(\.sessionShapes, "session_shapes"),
        str(\.readinInit, "readin_init"), str(\.readoutPcr, "readout_pcr"),
        int(\.trainReadin, "train_readin"), int(\.trainReadout, "train_readout"),
        str(\.sessionBatching, "session_batching"),
    ]
    /// Keys a model without read-ins leaves out of `hps`, so its parameter file is unchanged (§18).
    public static let sessionKeys: Set<String> = Set(sessionAccessors.map(\.0))

    /// Whether the model has per-session read-ins and read-outs (§18).
    public var isStitched: Bool { readinDim > 0 }

    /// The sessions of a stitched model, in order; one session of the data's shape otherwise.
    public var sessions: [SessionShape] {
        let parsed = sessionShapes.split(separator: ";").compactMap { part -> SessionShape? in
            let v = part.split(separator: ":").compactMap { Int($0) }
            return v.count == 3 ? SessionShape(neurons: v[0], heldout: v[1], forwardBins: v[2]) : nil
        }
        return parsed.isEmpty ? [SessionShape(neurons: dataDim, heldout: heldoutNeurons, forwardBins: forwardBins)] : parsed
    }

    /// Sets the session list; `data_dim`, `heldout_neurons` and `forward_bins` take session 0's values.
    public mutating func setSessions(_ s: [SessionShape]) {
        sessionShapes = s.map(\.description).joined(separator: ";")
        if let first = s.first { dataDim = first.neurons; heldoutNeurons = first.heldout; forwardBins = first.forwardBins }
    }

    /// The shared core of a stitched model: an R-dimensional encoder input that hides nothing (the
    /// read-ins hide held-out neurons and forward bins per session).
    public var stitchedCore: Hyperparameters {
        var c = self
        c.dataDim = readinDim; c.heldoutNeurons = 0; c.forwardBins = 0
        c.readinDim = 0; c.sessionShapes = ""
        // The read-outs and their observation model live in the adapters: the core has no zig.scale.
        c.recon = ObservationModel.poisson.rawValue
        return c
    }

    /// Problems of the stitching keys, one message each (joined into `problems()`).
    func sessionProblems() -> [String] {
        var p: [String] = []
        guard readinDim != 0 || !sessionShapes.isEmpty else { return p }
        if readinDim < 1 { p.append("'readin_dim' = \(readinDim) is out of range: must be ≥ 1 with several sessions") }
        let shapes = sessionShapes.split(separator: ";")
        if !shapes.isEmpty && shapes.count != sessions.count {
            p.append("'session_shapes' = \"\(sessionShapes)\" must list N:heldout:forward_bins per session, ';'-separated")
        }
        for (i, s) in sessions.enumerated() {
            if s.neurons < 1 || s.heldout < 0 || s.heldout >= s.neurons || s.forwardBins < 0 || (seqLen > 0 && s.forwardBins >= seqLen) {
                p.append("session \(i) of 'session_shapes' (\(s)) is out of range: needs N ≥ 1, 0 ≤ heldout < N, 0 ≤ forward_bins < seq_len")
            }
        }
        if readinInit != "random" && readinInit != "pcr" { p.append("'readin_init' = \(readinInit) must be \"random\" or \"pcr\"") }
        if readinInit == "pcr" && readinDim != facDim {
            p.append("'readin_init' = pcr needs readin_dim = fac_dim, got \(readinDim) and \(facDim)")
        }
        if readoutPcr != "pinv" && readoutPcr != "transpose" { p.append("'readout_pcr' = \(readoutPcr) must be \"pinv\" or \"transpose\"") }
        for (k, v) in [("train_readin", trainReadin), ("train_readout", trainReadout)] where v != 0 && v != 1 {
            p.append("'\(k)' = \(v) must be 0 or 1")
        }
        if sessionBatching != "mixed" && sessionBatching != "single" {
            p.append("'session_batching' = \(sessionBatching) must be \"mixed\" or \"single\"")
        }
        return p
    }
}

extension ParameterLayout {
    /// The stitched layout (§18): the base tensors of the shared core (encoder W_x with R rows), without
    /// its read-out, then per session readin.s{i}.W [N_s,R], .b [R], readout.s{i}.W [F,N_s·P],
    /// .b [N_s·P] (P channels per neuron, §14), and for ZIG the session's scales zig.s{i}.scale [2,N_s].
    static func stitchedTensors(_ hp: Hyperparameters) -> [(String, [Int])] {
        let R = hp.readinDim, F = hp.facDim, P = hp.observation.channels
        var list = baseTensors(hp.stitchedCore).filter { $0.0 != "readout.W" && $0.0 != "readout.b" }
        for (i, s) in hp.sessions.enumerated() {
            list += [("readin.s\(i).W", [s.neurons, R]), ("readin.s\(i).b", [R]),
                     ("readout.s\(i).W", [F, s.neurons * P]), ("readout.s\(i).b", [s.neurons * P])]
            if hp.observation.hasScale { list.append(("zig.s\(i).scale", [2, s.neurons])) }
        }
        return list
    }

    /// Flat index ranges of session i's read-in (W and b) and read-out (W, b and, for ZIG, its scales K_i,
    /// which train and freeze with the read-out).
    public func sessionRanges(_ i: Int) -> (readin: Range<Int>, readout: Range<Int>) {
        let a = self["readin.s\(i).W"], b = self["readin.s\(i).b"], c = self["readout.s\(i).W"]
        let d = contains("zig.s\(i).scale") ? self["zig.s\(i).scale"] : self["readout.s\(i).b"]
        return (a.offset..<(b.offset + b.count), c.offset..<(d.offset + d.count))
    }
}
