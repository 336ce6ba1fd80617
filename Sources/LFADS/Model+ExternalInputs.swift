extension LFADSModel {
    /// ẽ_t = e_t ⊙ d_ext,t into the generator's input rows after u_t (docs/model.md §16), for every
    /// step at once: nothing else writes those columns, and the generator's fused GEMM reads them
    /// through the ext rows of gen.W_x, so their weight gradient comes with the u rows' one.
    func externalInputs(_ e: UnsafePointer<T>, noise: NoiseBundle<T>) {
        let d = dims, B = d.B, E = d.Ext, U = d.U
        for t in 0..<d.T {
            let (xz, xr, ld) = gen.input(t)
            let src = e + t * B * E, mask = noise.dExt.p + t * B * E, ms = noise.dExt.scale
            for b in 0..<B {
                let s = src + b * E, m = mask + b * E, o1 = xz + b * ld + U, o2 = xr + b * ld + U
                for j in 0..<E { let v = s[j] * maskValue(m[j], ms); o1[j] = v; o2[j] = v }
            }
        }
    }

    /// The generator's input [u_t | ẽ_t] of the last pass for trial b at step t, U + E values:
    /// what the `gen_inputs` output holds (§16).
    public func generatorInput(t: Int, b: Int) -> UnsafeMutablePointer<T> {
        let (xz, _, ld) = gen.input(t)
        return xz + b * ld
    }
}
