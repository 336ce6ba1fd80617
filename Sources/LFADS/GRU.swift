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

    /// Offset of the last `fused` rows of W_x, which the layout keeps directly above W_h.
    func fusedRows(_ fused: Int) -> Int { wx + (inputs - fused) * 3 * units }
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
    /// ZIG's per-neuron scales K get no reconstruction gradient (docs/model.md §14).
    case noZigScaleGradient
    /// The ext rows of gen.W_x get no gradient (docs/model.md §16).
    case noExtInputGradient
}

/// Forward states and gradients of one ClippedGRU run over T steps for a batch of B (docs/model.md §2).
///
/// States live in T+1 slots so that the previous states of all steps form one contiguous block in time
/// order, whichever the direction: forward runs read slot t and write slot t+1; backward runs
/// (t = T−1…0) read slot t+1 and write slot t. Weight gradients are then one GEMM over all steps.
///
/// With `inputs` I > 0 the run also takes a per-step input x_t through the last I rows of W_x, which
/// the parameter layout stores directly above W_h: [x_t | h] · [W_x; W_h] is one GEMM, so the input
/// projection costs no separate (thin, slow) GEMM in either direction, nor in the weight gradient.
/// The rows [x_t | h_prev] (`xh`) and [x_t | r ⊙ h_prev] (`rho`) are kept per step for that.
///
/// Memory is what limits the batch, so: dA overwrites the gates of its step (backward visits each
/// step once, after forward); the unclipped v can be recomputed in backward, bit for bit, instead
/// of stored; states can live inside `xh` (leading dimension `stateLd`) instead of in a
/// contiguous [T+1, B, H] copy; and backward rebuilds each step's `rho` row from r (before dA
/// replaces it) and xh, bit for bit, so the rows are scratch between a forward step and the
/// weight gradient, and runs whose backward passes do not overlap can share one `rho`.
final class GRURun<T: Scalar> {
    let steps: Int, B: Int, H: Int, I: Int
    let reverse: Bool
    let gates: Buffer<T>    // [T, B, 3H]: r | u | c after forward, dA after backward
    let vStore: Buffer<T>?  // [T, B, H] unclipped v, when kept
    let rho: Buffer<T>      // [T, B, I+H]: [x_t | r ⊙ h_prev], possibly shared with other runs
    let gh: Buffer<T>       // [B, 3H] recurrent products of one step
    let dRho: Buffer<T>     // [B, I+H]
    let wT: Buffer<T>       // [3H, I+H]: the fused [W_x; W_h] rows transposed, for backward
    let dbStep: Buffer<T>   // [3H] Σ of dA over the rows backward has visited so far
    /// [T+1, B, I+H]: slot prevSlot(t) holds [x_t | h_prev].
    let xh: Buffer<T>
    let statesStore: Buffer<T>?
    /// Leading dimension of the states: H when contiguous, I+H inside xh.
    let stateLd: Int

    /// `contiguousStates`: keep [T+1, B, H] states apart from xh (always so when I = 0).
    /// `keepsUnclipped`: store v (else backward recomputes it).
    /// `sharedRho`: the [T, B, I+H] rows to use (at least that many elements), shared with runs
    /// whose forward step, backward pass and weight gradient never interleave with this run's.
    init(T: Int, B: Int, H: Int, inputs I: Int = 0, reverse: Bool, contiguousStates: Bool = true,
         keepsUnclipped: Bool = true, sharedRho: Buffer<T>? = nil) {
        self.steps = T; self.B = B; self.H = H; self.I = I; self.reverse = reverse
        gates = Buffer(T * B * 3 * H)
        vStore = keepsUnclipped ? Buffer(T * B * H) : nil
        if let sharedRho { precondition(sharedRho.count >= T * B * (I + H), "shared rho rows too small") }
        rho = sharedRho ?? Buffer(T * B * (I + H))
        gh = Buffer(B * 3 * H)
        dRho = Buffer(B * (I + H))
        wT = Buffer(3 * H * (I + H))
        dbStep = Buffer(3 * H)
        xh = Buffer((T + 1) * B * (I + H))
        let separate = contiguousStates && I > 0
        statesStore = separate ? Buffer((T + 1) * B * H) : nil
        stateLd = separate ? H : I + H
    }

    /// The gradient of the pre-activations, [T, B, 3H], once backward has run.
    var dA: Buffer<T> { gates }
    /// The unclipped v [T, B, H] (runs that keep it).
    var v: Buffer<T> { vStore! }

    @inline(__always) func prevSlot(_ t: Int) -> Int { reverse ? t + 1 : t }
    @inline(__always) func outSlot(_ t: Int) -> Int { reverse ? t : t + 1 }
    @inline(__always) func state(_ slot: Int) -> UnsafeMutablePointer<T> {
        if let s = statesStore { return s.p + slot * B * H }
        return xh.p + slot * B * (I + H) + I
    }
    /// The output h_t of time t, [B, H] with leading dimension stateLd.
    @inline(__always) func output(_ t: Int) -> UnsafeMutablePointer<T> { state(outSlot(t)) }
    /// The initial state, [B, H] with leading dimension stateLd.
    var initial: UnsafeMutablePointer<T> { state(reverse ? steps : 0) }
    /// Where the caller puts x_t before step t: rows of I with leading dimension I+H, twice
    /// (the same values in both).
    func input(_ t: Int) -> (xh: UnsafeMutablePointer<T>, rho: UnsafeMutablePointer<T>, ld: Int) {
        (xh.p + prevSlot(t) * B * (I + H), rho.p + t * B * (I + H), I + H)
    }

    /// One step: a [B, 3H] with row stride `aStride` (0: one row for all, e.g. the bias) is the
    /// pre-activation from everything but h and x_t; w points at the I fused rows of W_x, directly
    /// followed by W_h [H, 3H] (with I = 0, at W_h). With a = nil the caller has already written
    /// step t's pre-activation into `gates` (an input projection for all steps at once, as the
    /// encoders do): it seeds the recurrent products and the gates overwrite it.
    func stepForward(_ t: Int, a: UnsafePointer<T>?, aStride: Int? = nil, wh w: UnsafePointer<T>, clip: T) {
        let H = self.H, B = self.B, H3 = 3 * H, I = self.I, ld = I + H, sld = stateLd
        let h = state(prevSlot(t)), out = state(outSlot(t))
        let xhPrev = xh.p + prevSlot(t) * B * ld, xhOut = xh.p + outSlot(t) * B * ld
        let g = gates.p + t * B * H3, rt = rho.p + t * B * ld, gh = self.gh.p
        let copyOut = statesStore != nil && I > 0
        if copyOut && t == (reverse ? steps - 1 : 0) {
            for bi in 0..<B { (xhPrev + bi * ld + I).update(from: h + bi * sld, count: H) }
        }
        // With a = nil the recurrent products accumulate into the gates themselves, and each gate
        // loop reads and writes the same element (no copy of [B,3H] per step into gh). Otherwise
        // they go to gh, and the gate loops add a: a separate buffer, so that no loop reads a pointer
        // aliasing its output, which would stop LLVM from vectorising it.
        let inPlace = a == nil
        if inPlace {
            gemm(B, 2 * H, ld, xhPrev, ld, w, H3, g, H3, beta: 1)
            for bi in 0..<B {
                let gr = g + bi * H3, gu = gr + H, hr = h + bi * sld, rr = rt + bi * ld + I
                for j in 0..<H {
                    let r = T.sigmoid(gr[j])
                    gr[j] = r
                    gu[j] = T.sigmoid(gu[j])
                    rr[j] = r * hr[j]
                }
            }
            gemm(B, H, ld, rt, ld, w + 2 * H, H3, g + 2 * H, H3, beta: 1)
        } else {
            let aS = aStride ?? H3
            gemm(B, 2 * H, ld, xhPrev, ld, w, H3, gh, H3)
            for bi in 0..<B {
                let ar = a! + bi * aS, au = ar + H, ghr = gh + bi * H3, ghu = ghr + H
                let gr = g + bi * H3, gu = gr + H, hr = h + bi * sld, rr = rt + bi * ld + I
                for j in 0..<H {
                    let r = T.sigmoid(ar[j] + ghr[j])
                    gr[j] = r
                    gu[j] = T.sigmoid(au[j] + ghu[j])
                    rr[j] = r * hr[j]
                }
            }
            gemm(B, H, ld, rt, ld, w + 2 * H, H3, gh + 2 * H, H3)
        }
        let lo = -clip, vt = vStore.map { $0.p + t * B * H }
        for bi in 0..<B {
            let gu = g + bi * H3 + H, gc = gu + H
            let hr = h + bi * sld, outr = out + bi * sld
            // Short loops rather than one: LLVM vectorises a loop only when its runtime alias
            // checks between the buffers it touches stay few.
            if inPlace {
                for j in 0..<H { gc[j] = T.tanh(gc[j]) }
            } else {
                let ac = a! + bi * (aStride ?? H3) + 2 * H, ghc = gh + bi * H3 + 2 * H
                for j in 0..<H { gc[j] = T.tanh(ac[j] + ghc[j]) }
            }
            if let vt {
                let vr = vt + bi * H
                for j in 0..<H { vr[j] = gu[j] * hr[j] + (1 - gu[j]) * gc[j] }
                for j in 0..<H { outr[j] = Swift.min(Swift.max(vr[j], lo), clip) }
            } else {
                for j in 0..<H {
                    let u = gu[j]
                    outr[j] = Swift.min(Swift.max(u * hr[j] + (1 - u) * gc[j], lo), clip)
                }
            }
            if copyOut { (xhOut + bi * ld + I).update(from: outr, count: H) }
        }
    }

    /// Copies the fused rows w (as in stepForward) transposed into wT. Backward's products with wᵀ
    /// then run as plain NN GEMMs, the only kind the small-GEMM kernels take (docs/performance.md).
    /// Call once per backward pass, before its first stepBackward.
    func prepareBackward(wh w: UnsafePointer<T>) {
        transpose(w, rows: I + H, cols: 3 * H, into: wT.p)
        dbStep.zero()
    }

    /// Backward of step t. dh holds rows [dx_t | ∂L/∂h_t] of width I+H: on entry the h part is
    /// ∂L/∂h_t, on exit ∂L/∂h_{t−1} (the previous state), and with `inputGrad` the x part is ∂L/∂x_t.
    /// Reads the weights prepareBackward copied. Replaces the gates of step t by dA[t], and rebuilds
    /// rho[t] (x_t from xh, r ⊙ h_prev with stepForward's product) for accumulateRecurrentGrads.
    func stepBackward(_ t: Int, dh: UnsafeMutablePointer<T>, clip: T,
                      mutation: BackwardMutation, inputGrad: Bool = false) {
        let H = self.H, B = self.B, H3 = 3 * H, I = self.I, ld = I + H, sld = stateLd
        let h = state(prevSlot(t))
        let g = gates.p + t * B * H3
        let ignoreClip = mutation == .noClipMask
        let lo = ignoreClip ? -T.infinity : -clip, hi = ignoreClip ? T.infinity : clip
        let vt = vStore.map { $0.p + t * B * H }
        for bi in 0..<B {
            let gu = g + bi * H3 + H, gc = gu + H, hr = h + bi * sld, dhr = dh + bi * ld + I
            if let vt {
                let vr = vt + bi * H
                for j in 0..<H {
                    let vv = vr[j], u = gu[j], c = gc[j]
                    let dv = vv >= lo && vv <= hi ? dhr[j] : 0
                    dhr[j] = dv * u
                    gc[j] = dv * (1 - u) * (1 - c * c)
                    gu[j] = dv * (hr[j] - c) * u * (1 - u)
                }
            } else {
                for j in 0..<H {
                    let u = gu[j], c = gc[j]
                    let vv = u * hr[j] + (1 - u) * c   // as in stepForward, so the same bits
                    let dv = vv >= lo && vv <= hi ? dhr[j] : 0
                    dhr[j] = dv * u
                    gc[j] = dv * (1 - u) * (1 - c * c)
                    gu[j] = dv * (hr[j] - c) * u * (1 - u)
                }
            }
        }
        // dρ (and, with inputGrad, the candidate's share of dx_t).
        let k0 = inputGrad ? 0 : I
        let dRho = self.dRho.p, rt = rho.p + t * B * ld, xhPrev = xh.p + prevSlot(t) * B * ld
        gemm(B, ld - k0, H, g + 2 * H, H3, wT.p + 2 * H * ld + k0, ld, dRho + k0, ld)
        for bi in 0..<B {
            let gr = g + bi * H3, hr = h + bi * sld
            let dhr = dh + bi * ld + I, drr = dRho + bi * ld + I, rr = rt + bi * ld + I
            if I > 0 { (rt + bi * ld).update(from: xhPrev + bi * ld, count: I) }
            // Its own loop: one more written pointer would cost the main loop its vectorisation.
            for j in 0..<H { rr[j] = gr[j] * hr[j] }
            for j in 0..<H {
                let r = gr[j], d = drr[j]
                dhr[j] += d * r
                gr[j] = d * hr[j] * r * (1 - r)
            }
            if inputGrad && I > 0 { (dh + bi * ld).update(from: dRho + bi * ld, count: I) }
            if mutation == .swappedGateBlocks { for j in 0..<H { let x = gr[j]; gr[j] = gr[H + j]; gr[H + j] = x } }
            // The bias gradient while the row is in L1, instead of one more pass over [T,B,3H] after
            // the run (docs/performance.md, "Folded bias sums").
            let acc = dbStep.p
            for j in 0..<H3 { acc[j] += gr[j] }
        }
        gemm(B, ld - k0, 2 * H, g, H3, wT.p + k0, ld, dh + k0, ld, beta: 1)
    }

    /// d[W_x fused rows; W_h] (dw, as w in stepForward) from all steps' dA, one GEMM per gate group,
    /// and db, which stepBackward summed.
    func accumulateRecurrentGrads(dWh dw: UnsafeMutablePointer<T>, db: UnsafeMutablePointer<T>) {
        let H = self.H, H3 = 3 * H, rows = steps * B, ld = I + H, dA = gates.p
        let prev = xh.p + (reverse ? 1 : 0) * B * ld
        gemm(ld, 2 * H, rows, prev, ld, transA: true, dA, H3, dw, H3, beta: 1)
        gemm(ld, H, rows, rho.p, ld, transA: true, dA + 2 * H, H3, dw + 2 * H, H3, beta: 1)
        for j in 0..<H3 { db[j] += dbStep.p[j] }
    }
}
