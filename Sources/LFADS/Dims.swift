/// The model's sizes for one batch of B trials.
public struct Dims: Sendable, Equatable {
    public let N: Int, T: Int, B: Int
    /// The encoder sees columns 0..<Nin and bins 0..<Tin; the rest are held out or forward bins.
    public let Nin: Int, Tin: Int
    public let Eic: Int, Eci: Int, Hc: Int, U: Int, D: Int, Hg: Int, F: Int, L: Int
    /// Read-out channels per neuron (docs/model.md §14): θ is [T,B,N·P].
    public let P: Int
    /// External inputs per bin (docs/model.md §16); the generator reads [u_t | ẽ_t], GenIn = U + Ext wide.
    public let Ext: Int
    public var genIn: Int { U + Ext }
    public var hasController: Bool { U > 0 }
    /// Whether part of the data is hidden from the encoder.
    public var hidesInput: Bool { Nin < N || Tin < T }

    /// Calls `body` with the flat [T,B,N] index of every element hidden from the encoder.
    @inline(__always)
    func forEachHidden(_ body: (Int) -> Void) {
        guard hidesInput else { return }
        for t in 0..<T {
            for b in 0..<B {
                let row = (t * B + b) * N
                for j in (t < Tin ? Nin : 0)..<N { body(row + j) }
            }
        }
    }

    public init(_ hp: Hyperparameters, batch B: Int) {
        N = hp.dataDim; T = hp.seqLen; self.B = B
        Nin = N - hp.heldoutNeurons; Tin = T - hp.forwardBins
        Eic = hp.icEncDim; U = hp.coDim
        Eci = U > 0 ? hp.ciEncDim : 0
        Hc = U > 0 ? hp.conDim : 0
        D = hp.icDim; Hg = hp.genDim; F = hp.facDim; L = hp.ciLag
        P = hp.observation.channels
        Ext = hp.extInputDim
    }
}
