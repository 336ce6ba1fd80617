/// Where a ClippedGRU's tensors sit in the flat parameter buffer; I inputs, H units.
public struct GRUParams: Sendable {
    public let wx: Int, wh: Int, b: Int, h0: Int?
    public let inputs: Int, units: Int

    init(_ layout: ParameterLayout, _ prefix: String) {
        let wxE = layout["\(prefix).W_x"]
        wx = wxE.offset
        wh = layout["\(prefix).W_h"].offset
        b = layout["\(prefix).b"].offset
        h0 = layout.contains("\(prefix).h0") ? layout["\(prefix).h0"].offset : nil
        inputs = wxE.shape[0]
        units = wxE.shape[1] / 3
    }
}

/// Test-only breakages of backward formulas, to prove the gradient check can fail.
public enum BackwardMutation: String, Sendable, CaseIterable {
    case none
    /// ∂z_ic/∂σ²_ic dropped: the IC posterior variance treated as a constant.
    case icVarianceConstant
    /// The clip mask ignored: gradient flows through clipped units.
    case noClipMask
    /// Reset and update gate gradients swapped.
    case swappedGateBlocks
    /// The column-normalisation projection of fac.W skipped.
    case noFactorProjection
}

/// Forward states and gradients of one ClippedGRU run over T steps for a batch of B (lfads-model.md §2).
///
/// States live in T+1 slots so that the previous states of all steps form one contiguous block in time
/// order, whichever the direction: forward runs read slot t and write slot t+1; backward runs
/// (t = T−1…0) read slot t+1 and write slot t. Weight gradients are then one GEMM over all steps.
final class GRURun<T: Scalar> {
    let steps: Int, B: Int, H: Int
    let reverse: Bool
    let states: Buffer<T>   // [T+1, B, H]
    let gates: Buffer<T>    // [T, B, 3H]: r | u | c
    let v: Buffer<T>        // [T, B, H] unclipped v, for the clip mask
    let rho: Buffer<T>      // [T, B, H] r ⊙ h_prev
    let dA: Buffer<T>       // [T, B, 3H] gradient of the pre-activations
    let gh: Buffer<T>       // [B, 3H] recurrent products of one step
    let dRho: Buffer<T>     // [B, H]

    init(T: Int, B: Int, H: Int, reverse: Bool) {
        self.steps = T; self.B = B; self.H = H; self.reverse = reverse
        states = Buffer((T + 1) * B * H)
        gates = Buffer(T * B * 3 * H)
        v = Buffer(T * B * H)
        rho = Buffer(T * B * H)
        dA = Buffer(T * B * 3 * H)
        gh = Buffer(B * 3 * H)
        dRho = Buffer(B * H)
    }

    @inline(__always) func prevSlot(_ t: Int) -> Int { reverse ? t + 1 : t }
    @inline(__always) func outSlot(_ t: Int) -> Int { reverse ? t : t + 1 }
    @inline(__always) func state(_ slot: Int) -> UnsafeMutablePointer<T> { states.p + slot * B * H }
    /// The output h_t of time t, [B, H].
    @inline(__always) func output(_ t: Int) -> UnsafeMutablePointer<T> { state(outSlot(t)) }
    /// The initial state, [B, H].
    var initial: UnsafeMutablePointer<T> { state(reverse ? steps : 0) }
    /// Previous states of t = 0…T−1 in time order, [T, B, H].
    var previousStates: UnsafeMutablePointer<T> { state(reverse ? 1 : 0) }

    /// One step: a [B, 3H] is x_t·W_x + b; wh is W_h [H, 3H].
    func stepForward(_ t: Int, a: UnsafePointer<T>, wh: UnsafePointer<T>, clip: T) {
        let H = self.H, B = self.B, H3 = 3 * H
        let h = state(prevSlot(t)), out = state(outSlot(t))
        let g = gates.p + t * B * H3, vt = v.p + t * B * H, rt = rho.p + t * B * H, gh = self.gh.p
        gemm(B, 2 * H, H, h, H, wh, H3, gh, H3)
        for bi in 0..<B {
            let ar = a + bi * H3, ghr = gh + bi * H3, gr = g + bi * H3, hr = h + bi * H, rr = rt + bi * H
            for j in 0..<H {
                let r = sigmoid(ar[j] + ghr[j])
                let u = sigmoid(ar[H + j] + ghr[H + j])
                gr[j] = r; gr[H + j] = u
                rr[j] = r * hr[j]
            }
        }
        gemm(B, H, H, rt, H, wh + 2 * H, H3, gh + 2 * H, H3)
        for bi in 0..<B {
            let ar = a + bi * H3, ghr = gh + bi * H3, gr = g + bi * H3, hr = h + bi * H
            let vr = vt + bi * H, outr = out + bi * H
            for j in 0..<H {
                let c = T.tanh(ar[2 * H + j] + ghr[2 * H + j])
                gr[2 * H + j] = c
                let u = gr[H + j]
                let vv = u * hr[j] + (1 - u) * c
                vr[j] = vv
                outr[j] = min(max(vv, -clip), clip)
            }
        }
    }

    /// Backward of step t: dh [B, H] is ∂L/∂h_t on entry and ∂L/∂h_{t−1} (the previous state) on exit.
    /// Writes dA[t].
    func stepBackward(_ t: Int, dh: UnsafeMutablePointer<T>, wh: UnsafePointer<T>, clip: T, mutation: BackwardMutation) {
        let H = self.H, B = self.B, H3 = 3 * H
        let h = state(prevSlot(t))
        let g = gates.p + t * B * H3, vt = v.p + t * B * H, da = dA.p + t * B * H3
        let ignoreClip = mutation == .noClipMask
        for bi in 0..<B {
            let gr = g + bi * H3, hr = h + bi * H, vr = vt + bi * H, dar = da + bi * H3, dhr = dh + bi * H
            for j in 0..<H {
                let vv = vr[j]
                let dv = (ignoreClip || (vv >= -clip && vv <= clip)) ? dhr[j] : 0
                let u = gr[H + j], c = gr[2 * H + j]
                let du = dv * (hr[j] - c)
                let dc = dv * (1 - u)
                dhr[j] = dv * u
                dar[2 * H + j] = dc * (1 - c * c)
                dar[H + j] = du * u * (1 - u)
            }
        }
        let dRho = self.dRho.p
        gemm(B, H, H, da + 2 * H, H3, wh + 2 * H, H3, transB: true, dRho, H)
        let swap = mutation == .swappedGateBlocks
        for bi in 0..<B {
            let gr = g + bi * H3, hr = h + bi * H, dar = da + bi * H3, dhr = dh + bi * H, drr = dRho + bi * H
            for j in 0..<H {
                let r = gr[j]
                dhr[j] += drr[j] * r
                let dr = drr[j] * hr[j]
                dar[j] = dr * r * (1 - r)
            }
            if swap { for j in 0..<H { let x = dar[j]; dar[j] = dar[H + j]; dar[H + j] = x } }
        }
        gemm(B, H, 2 * H, da, H3, wh, H3, transB: true, dh, H, beta: 1)
    }

    /// dW_h and db from all steps' dA (one GEMM each block); dW_x is left to the caller,
    /// whose input layout it knows.
    func accumulateRecurrentGrads(dWh: UnsafeMutablePointer<T>, db: UnsafeMutablePointer<T>) {
        let H = self.H, H3 = 3 * H, rows = steps * B
        gemm(H, 2 * H, rows, previousStates, H, transA: true, dA.p, H3, dWh, H3, beta: 1)
        gemm(H, H, rows, rho.p, H, transA: true, dA.p + 2 * H, H3, dWh + 2 * H, H3, beta: 1)
        addColumnSums(dA.p, rows: rows, cols: H3, ld: H3, into: db)
    }
}
