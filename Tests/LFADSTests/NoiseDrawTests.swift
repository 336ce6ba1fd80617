import Testing
@testable import LFADS

/// NoiseBundle.draw fills masks by a branch-free loop over stream positions; it must give exactly
/// the values of reading each keyed stream in order with `uniform() < p` and `normal()`.
struct NoiseDrawTests {
    @Test(arguments: [0.0, 0.2])
    func drawEqualsTheSequentialStreamDefinition(passRate: Double) {
        var hp = GradientCheck.tinyHyperparameters()
        hp.cdPassRate = passRate
        hp.seed = 11
        let model = LFADSModel<Float>(hp: hp, batch: 3)
        let d = model.dims
        let noise = NoiseBundle<Float>(d)
        let trials = [7, 2, 40]
        noise.draw(hp, trials: trials, epoch: 3, step: 5, kind: .training)

        func stream(_ p: StreamPurpose, _ trial: Int) -> SplitMix64 {
            keyedStream(seed: 11, p, 3, 5, UInt64(trial))
        }
        func check(_ buf: Buffer<Float>, width w: Int, perStep: Bool, _ p: StreamPurpose, _ value: (inout SplitMix64) -> Float) {
            for (b, trial) in trials.enumerated() {
                var r = stream(p, trial)
                for t in 0..<(perStep ? d.T : 1) {
                    for j in 0..<w {
                        let i = perStep ? (t * d.B + b) * w + j : b * w + j
                        let want = value(&r)
                        #expect(buf[i] == want, "\(p) trial \(trial) t \(t) j \(j)")
                    }
                }
            }
        }
        func check(_ m: Mask<Float>, width w: Int, perStep: Bool, _ p: StreamPurpose, _ value: (inout SplitMix64) -> Float) {
            let values = Buffer<Float>(m.count)
            values.copy(from: m.array)
            check(values, width: w, perStep: perStep, p, value)
        }
        let keep = 1 - hp.dropoutRate
        let drop: (inout SplitMix64) -> Float = { $0.uniform() < keep ? Float(1 / keep) : 0 }
        check(noise.dIn, width: d.N, perStep: true, .dropoutInput, drop)
        check(noise.dIc, width: 2 * d.Eic, perStep: false, .dropoutIC, drop)
        check(noise.dCi, width: 2 * d.Eci, perStep: true, .dropoutCI, drop)
        check(noise.dPhi, width: d.F, perStep: true, .dropoutFactorsToCon, drop)
        check(noise.dG0, width: d.Hg, perStep: false, .dropoutG0, drop)
        check(noise.dG, width: d.Hg, perStep: true, .dropoutGen, drop)
        let normal: (inout SplitMix64) -> Float = { Float($0.normal()) }
        check(noise.epsIc, width: d.D, perStep: false, .epsIC, normal)
        check(noise.epsCo, width: d.U, perStep: true, .epsCO, normal)
        check(noise.epsKl, width: d.U, perStep: true, .epsKL, normal)

        let kp = 1 - hp.cdRate
        for (b, trial) in trials.enumerated() {
            var rk = stream(.cdKeep, trial), rp = stream(.cdPass, trial)
            for t in 0..<d.T {
                for n in 0..<d.N {
                    let i = (t * d.B + b) * d.N + n
                    let kept = rk.uniform() < kp
                    let pass = passRate > 0 && rp.uniform() < passRate
                    #expect(noise.cdKeep[i] == (kept ? Float(1 / kp) : 0))
                    #expect(noise.cdGrad[i] == (!kept || pass ? 1 : 0))
                }
            }
        }
    }
}
