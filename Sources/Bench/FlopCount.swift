import LFADS

/// GEMM flops of one training step by the formula of docs/model.md §11 (element-wise work not counted).
public struct FlopCount: Sendable, Equatable {
    public let forward: Double
    public let backward: Double
    public var step: Double { forward + backward }

    public init(_ hp: Hyperparameters, batch B: Int) {
        let d = Dims(hp, batch: B)
        let T = Double(d.T), Bd = Double(B), N = Double(d.N)
        let Eic = Double(d.Eic), Eci = Double(d.Eci), Hc = Double(d.Hc), U = Double(d.U)
        let D = Double(d.D), Hg = Double(d.Hg), F = Double(d.F)
        var f = T * 12 * Bd * Eic * (N + Eic)             // IC encoder, 2 directions
        f += T * 12 * Bd * Eci * (N + Eci)                // CI encoder, 2 directions
        f += T * 6 * Bd * Hc * (2 * Eci + F + Hc)         // controller
        f += T * 6 * Bd * Hg * (U + Hg)                   // generator
        f += T * 2 * Bd * Hc * 2 * U                      // controller-output posterior
        f += (T + 1) * 2 * Bd * Hg * F                    // factors, including φ_{−1}
        f += T * 2 * Bd * F * N * Double(d.P)             // readout: P channels per neuron (docs/model.md §14)
        f += 2 * Bd * 2 * Eic * 2 * D + 2 * Bd * D * Hg   // IC posterior, g0
        forward = f
        // dX and dW per GEMM, except dX of the data input.
        backward = 2 * f - 12 * Bd * T * N * (Eic + Eci)
    }
}
