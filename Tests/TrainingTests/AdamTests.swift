import LFADS
import Testing
import Training

/// Adam in PyTorch form (docs/model.md §8): bias-corrected moments, ε added after the square root
/// of the corrected second moment, every element updated every step.
struct AdamTests {
    static func hp(lr: Double = 0.01, eps: Double = 1e-8) -> Hyperparameters {
        var hp = Hyperparameters()
        hp.lr = lr; hp.adamBeta1 = 0.9; hp.adamBeta2 = 0.999; hp.adamEps = eps
        return hp
    }

    static func close(_ a: [Float], _ b: [Double], _ tol: Double = 1e-6) -> Bool {
        zip(a, b).allSatisfy { abs(Double($0) - $1) <= tol * max(1, abs($1)) }
    }

    /// Three steps worked by hand. Step 1: m̂ = g and v̂ = g², so θ moves by lr·g/(|g| + ε):
    /// 1 − 0.01·0.1/(0.1 + 1e−8) = 0.990000001. Step 2 for θ₀: m = 0.9·0.01 + 0.1·0.3 = 0.039,
    /// v = 0.999·1e−5 + 0.001·0.09 = 9.999e−5, m̂ = 0.039/0.19, v̂ = 9.999e−5/0.001999, so
    /// θ₀ = 0.990000001 − 0.01·0.2052632/(0.2236523 + 1e−8) = 0.98082219. Step 3 has g = 0 and
    /// still moves θ on the momentum left from steps 1–2.
    @Test func threeStepsMatchThePyTorchFormWorkedByHand() {
        let hp = Self.hp()
        var p: [Float] = [1.0, -2.0, 0.5]
        var adam = AdamState(count: 3)
        adam.update(&p, grads: [0.1, -0.2, 0.0], lr: hp.lr, hp: hp)
        #expect(adam.step == 1)
        #expect(Self.close(p, [0.990000001, -1.9900000005, 0.5]), "\(p)")
        adam.update(&p, grads: [0.3, 0.1, -0.4], lr: hp.lr, hp: hp)
        #expect(Self.close(p, [0.98082219022, -1.98733663027, 0.50744136797]), "\(p)")
        adam.update(&p, grads: [0, 0, 0], lr: hp.lr, hp: hp)
        #expect(Self.close(p, [0.97372771596, -1.98527783740, 0.51319356694]), "\(p)")
        #expect(adam.step == 3)
    }

    /// With a large ε the two conventions part: PyTorch divides by √v̂ + ε, giving
    /// 1 − 0.01·0.01/(0.01 + 0.1) = 0.99909091; TensorFlow's ε̂ before bias correction would give
    /// 1 − 0.01·√(1−β2)/(1−β1)·0.001/(√1e−7 + 0.1) = 0.99996847.
    @Test func epsilonIsAddedAfterBiasCorrection() {
        let hp = Self.hp(eps: 0.1)
        var p: [Float] = [1]
        var adam = AdamState(count: 1)
        adam.update(&p, grads: [0.01], lr: hp.lr, hp: hp)
        #expect(abs(Double(p[0]) - (1 - 0.01 * 0.01 / 0.11)) < 2e-7, "\(p[0])")
    }

    /// The learning rate is the one passed in (the schedule's), not the hyperparameter's.
    @Test func theStepUsesTheScheduledLearningRate() {
        let hp = Self.hp(lr: 0.01)
        var p: [Float] = [1]
        var adam = AdamState(count: 1)
        adam.update(&p, grads: [0.5], lr: 0.001, hp: hp)
        #expect(abs(Double(p[0]) - (1 - 0.001 * 0.5 / (0.5 + 1e-8))) < 2e-7, "\(p[0])")
    }
}
