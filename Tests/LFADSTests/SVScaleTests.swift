import Testing
@testable import LFADS

/// The SV inverted-dropout scale 1/(1 − sv_rate) belongs to passes whose SV mask holds elements out
/// (training, samp-valid). Posterior sampling and the posterior mean see raw x, so a model's rates
/// must not depend on the sv_rate it was trained with.
@Suite("Sample-validation scale")
struct SVScaleTests {
    /// Log-rates and loss terms of one pass of the gradient-check problem's parameters.
    static func pass(_ hp: Hyperparameters, latents: LatentMode, svMasks: Bool)
        -> (logRates: [Double], encoderInput: [Double], terms: LossTerms, x: [Double]) {
        let (model, p, x, _) = GradientCheck.problem(hp)
        let B = model.dims.B
        let noise = NoiseBundle<Double>(model.dims)
        let sv = svMasks ? (0..<B).map { sampleValidationMask(hp, split: 1, trialIndex: $0, as: Double.self) } : nil
        if latents == .posteriorMean && !svMasks {
            noise.setAllOff()
        } else {
            noise.draw(hp, trials: Array(0..<B), epoch: 0, step: 0, kind: .sampling, svMasks: sv)
        }
        var options = PassOptions()
        options.latents = latents
        let terms = model.forward(params: p, x: x, noise: noise, weights: .full, options: options)
        return (Array(UnsafeBufferPointer(start: model.logRates.p, count: model.logRates.count)),
                Array(UnsafeBufferPointer(start: model.xIn.p, count: model.xIn.count)), terms, x)
    }

    static func hp(sv: Double) -> Hyperparameters {
        var hp = GradientCheck.tinyHyperparameters()
        hp.svRate = sv
        return hp
    }

    @Test("Posterior passes of an SV-trained model equal the same parameters with sv_rate 0",
          arguments: [LatentMode.posteriorMean, .sample])
    func inferenceIgnoresSVRate(latents: LatentMode) {
        let a = Self.pass(Self.hp(sv: 0.25), latents: latents, svMasks: false)
        let b = Self.pass(Self.hp(sv: 0), latents: latents, svMasks: false)
        #expect(a.encoderInput == a.x, "the encoder must see raw x")
        #expect(a.logRates == b.logRates)
        #expect(a.terms.recon == b.terms.recon)
        #expect(a.terms.svNll.isNaN, "no SV metric without an SV mask")
    }

    @Test("A pass with the SV mask scales the kept input by 1/(1 − sv_rate) and zeroes the rest")
    func maskedPassScalesInput() {
        let hp = Self.hp(sv: 0.25)
        let r = Self.pass(hp, latents: .sample, svMasks: true)
        let B = 4, T = hp.seqLen, N = hp.dataDim
        var scaled = 0, zeroed = 0
        for b in 0..<B {
            let m = sampleValidationMask(hp, split: 1, trialIndex: b, as: Double.self)
            for t in 0..<T {
                for n in 0..<N {
                    let i = (t * B + b) * N + n
                    let want = m[t * N + n] == 1 ? r.x[i] / 0.75 : 0
                    #expect(abs(r.encoderInput[i] - want) < 1e-15)
                    if m[t * N + n] == 1 && r.x[i] != 0 { scaled += 1 } else if m[t * N + n] == 0 { zeroed += 1 }
                }
            }
        }
        #expect(scaled > 0 && zeroed > 0, "the mask must both keep and hold out elements here")
        #expect(r.terms.svNll.isFinite)
    }
}
