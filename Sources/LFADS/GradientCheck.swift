import Foundation

/// Per-tensor outcome of a finite-difference check.
public struct TensorCheck: Sendable {
    public let name: String
    public let count: Int
    public let maxAbsError: Double
    /// max |analytic − numeric| / max(|numeric|, 1e−6·…) over the tensor's scalars.
    public let maxRelError: Double
    public let worstIndex: Int
    public let failures: Int
    public var passed: Bool { failures == 0 }
}

public struct GradientCheckReport: Sendable {
    public let tensors: [TensorCheck]
    public let scalars: Int
    /// Fraction of generator states sitting in the clip.
    public let clippedFraction: Double
    public var passed: Bool { tensors.allSatisfy(\.passed) }
}

/// Whole-loss finite-difference check in Double (docs/model.md §12).
public enum GradientCheck {
    /// The tiny model of §12: every loss term on, the clip biting for part of the generator units.
    public static func tinyHyperparameters() -> Hyperparameters {
        var hp = Hyperparameters()
        hp.dataDim = 3; hp.seqLen = 5
        hp.icEncDim = 3; hp.ciEncDim = 3; hp.conDim = 3; hp.coDim = 2
        hp.icDim = 2; hp.genDim = 4; hp.facDim = 3; hp.ciLag = 1
        hp.cellClip = 0.6
        hp.dropoutRate = 0.3; hp.cdRate = 0.4; hp.svRate = 0.25
        hp.klIcScale = 0.3; hp.klCoScale = 0.2
        hp.l2GenScale = 0.5; hp.l2ConScale = 0.7; hp.l2IcEncScale = 0.11; hp.l2CiEncScale = 0.13
        return hp
    }

    /// The problems' parameters: the initialisation plus N(0, 0.3²) from `r`, with gen.W_h scaled by
    /// genRecurrentGain so the generator's gradients are not vanishingly small.
    static func perturbedParameters(_ hp: Hyperparameters, layout: ParameterLayout, seed: UInt64,
                                    genRecurrentGain: Double, stream r: inout SplitMix64) -> [Double] {
        var p = Initialization.parameters(hp, seed: seed, as: Double.self)
        for i in p.indices { p[i] += 0.3 * r.normal() }
        let wh = layout["gen.W_h"]
        for i in wh.offset..<(wh.offset + wh.count) { p[i] *= genRecurrentGain }
        return p
    }

    /// A deterministic problem: perturbed parameters, data in the observation model's domain
    /// (Poisson(1.5) counts for Poisson), one drawn noise bundle.
    /// `missing` > 0 (SBTT on, §15) makes that fraction of the elements NaN, from its own stream, so
    /// the parameters, data and noise are those of the problem without missing entries.
    /// With `temporal_shift_max` > 0 (§17) the noise carries one draw of shifts and x is the
    /// shifted target, fixed for every evaluation of the loss.
    public static func problem(_ hp: Hyperparameters, batch B: Int = 4, seed: UInt64 = 7,
                               genRecurrentGain: Double = 4, missing: Double = 0)
        -> (model: LFADSModel<Double>, params: [Double], x: [Double], noise: NoiseBundle<Double>) {
        let model = LFADSModel<Double>(hp: hp, batch: B)
        var r = keyedStream(seed: seed, .testData, 1)
        let p = perturbedParameters(hp, layout: model.layout, seed: seed, genRecurrentGain: genRecurrentGain, stream: &r)
        var x = (0..<(hp.seqLen * B * hp.dataDim)).map { _ in sampleData(hp, &r) }
        if missing > 0 {
            var m = keyedStream(seed: seed, .testData, 2)
            for i in x.indices where m.uniform() < missing { x[i] = .nan }
        }
        let noise = NoiseBundle<Double>(model.dims)
        let sv: [[Double]]? = hp.svRate > 0
            ? (0..<B).map { sampleValidationMask(hp, split: 0, trialIndex: $0) } : nil
        noise.draw(hp, trials: Array(0..<B), epoch: 3, step: 1, kind: .training, svMasks: sv)
        if hp.usesTemporalShift {
            // §17: shifts drawn once and then fixed; x becomes the shifted target.
            x.withUnsafeMutableBufferPointer { noise.applyTemporalShift(hp, trials: Array(0..<B), epoch: 3, step: 1, x: $0.baseAddress!) }
        }
        return (model, p, x, noise)
    }

    /// Central differences (step h) on the CD surrogate L_s against the analytic gradient of L.
    /// Passes where |analytic − numeric| ≤ 1e−6 + 1e−4·|numeric| for every scalar.
    public static func run(_ hp: Hyperparameters = tinyHyperparameters(), mutation: BackwardMutation = .none,
                           weights: LossWeights = .full, step h: Double = 1e-6, seed: UInt64 = 7,
                           missing: Double = 0) -> GradientCheckReport {
        let (model, p0, x, noise) = problem(hp, seed: seed, missing: missing)
        let ext = externalInputs(hp, batch: model.dims.B, seed: seed)
        model.mutation = mutation
        var params = p0
        var analytic = [Double](repeating: 0, count: params.count)
        var options = PassOptions()
        x.withUnsafeBufferPointer { xp in
            params.withUnsafeBufferPointer { pp in
                _ = model.forward(params: pp.baseAddress!, x: xp.baseAddress!, ext: ext, noise: noise, weights: weights, options: options)
                analytic.withUnsafeMutableBufferPointer { g in
                    model.backward(params: pp.baseAddress!, grads: g.baseAddress!, x: xp.baseAddress!,
                                   noise: noise, weights: weights, options: options)
                }
            }
        }
        let clipped = clippedFraction(model, clip: hp.cellClip)
        options.cdSurrogate = true
        let checks = x.withUnsafeBufferPointer { xp in
            compare(layout: model.layout, analytic: analytic, params: &params, step: h) { p in
                p.withUnsafeBufferPointer { pp in
                    model.forward(params: pp.baseAddress!, x: xp.baseAddress!, ext: ext, noise: noise, weights: weights, options: options).total
                }
            }
        }
        return GradientCheckReport(tensors: checks, scalars: model.layout.count, clippedFraction: clipped)
    }

    /// External inputs [T,B,E] for the check's problem (§16): N(0,1) with every third value
    /// exactly 0 (ext pulses are mostly off), from their own stream, so the problem's parameters,
    /// data and noise do not move with E. Empty when E = 0.
    public static func externalInputs(_ hp: Hyperparameters, batch B: Int, seed: UInt64 = 7) -> [Double] {
        var r = keyedStream(seed: seed, .testData, 3)
        return (0..<(hp.seqLen * B * hp.extInputDim)).map { i in i % 3 == 2 ? 0 : r.normal() }
    }

    /// One data element for the check: Poisson(1.5) counts; N(0.5, 1) for Gaussian; lognormal
    /// around 1 for Gamma; for ZIG 30 % exact zeros and loc + lognormal events above `gamma_loc`.
    public static func sampleData(_ hp: Hyperparameters, _ r: inout SplitMix64) -> Double {
        switch hp.observation {
        case .poisson: return Double(r.poisson(1.5))
        case .gaussian: return 0.5 + r.normal()
        case .gamma: return Foundation.exp(0.5 * r.normal())
        case .zig:
            let zero = r.uniform() < 0.3, event = hp.gammaLoc + Foundation.exp(0.5 * r.normal())
            return zero ? 0 : event
        }
    }

    static func clippedFraction(_ m: LFADSModel<Double>, clip: Double) -> Double {
        let n = m.dims.T * m.dims.B * m.dims.Hg, Hg = m.dims.Hg, ld = m.generatorStatesLd
        var c = 0
        // v is not stored; a clipped state sits exactly at ±clip.
        let g = m.generatorStates
        for r in 0..<(m.dims.T * m.dims.B) { for j in 0..<Hg where abs(g[r * ld + j]) >= clip { c += 1 } }
        return Double(c) / Double(max(n, 1))
    }
}
