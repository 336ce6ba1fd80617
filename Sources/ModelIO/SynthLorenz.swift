import Foundation
import LFADS

/// Lorenz-driven Poisson rates (docs/data.md §3). Draws, in order: C initial states
/// (x, y, z normals per condition), 3xN uniforms u of the readout (row-major [dim, neuron]),
/// 3xN normals g, N uniforms for the target rates.
enum SynthLorenz {
    static func generate(_ spec: SynthSpec, _ rng: inout SplitMix64) -> ConditionTruth {
        let (C, T, N, binMs) = (spec.conditions, spec.bins, spec.neurons, spec.binMs)
        let steps = T * binMs  // one step per ms

        // 1. Initial states ~ N(0, ic_std^2 I), z shifted by the optional offset.
        var initial: [(Double, Double, Double)] = []
        for _ in 0..<C {
            let x = spec.icStd * rng.normal(), y = spec.icStd * rng.normal()
            initial.append((x, y, spec.icStd * rng.normal() + spec.icZOffset))
        }

        // 2. Integrate: z [C, steps, 3], the state after each recorded step.
        let burnIn = Int((spec.burnIn / spec.lorenzDt).rounded())
        var z = [Double](repeating: 0, count: C * steps * 3)
        for c in 0..<C {
            var s = [initial[c].0, initial[c].1, initial[c].2]
            for _ in 0..<burnIn { rk4Step(&s, spec.lorenzDt) }
            for m in 0..<steps {
                rk4Step(&s, spec.lorenzDt)
                for d in 0..<3 { z[(c * steps + m) * 3 + d] = s[d] }
            }
        }

        // 3. Per dimension: centre over all conditions and ms, then scale into [-1, 1].
        let samples = C * steps
        var centre = [0.0, 0.0, 0.0], scale = [1.0, 1.0, 1.0]
        for d in 0..<3 {
            var mean = 0.0
            for i in 0..<samples { mean += z[i * 3 + d] }
            mean /= Double(samples)
            var peak = 0.0
            for i in 0..<samples {
                z[i * 3 + d] -= mean
                peak = max(peak, abs(z[i * 3 + d]))
            }
            // A constant dimension (only possible with a degenerate start) stays at 0.
            if peak > 0 { for i in 0..<samples { z[i * 3 + d] /= peak } }
            centre[d] = mean; scale[d] = peak > 0 ? peak : 1
        }

        // 4. Readout W[d, n] = s (1 + u) sign(g): all u first, then all g.
        // A session (docs/model.md §18) draws its read-out and target rates from its own stream.
        var own = spec.session.map { keyedStream(seed: spec.seed, .synth, 100 + UInt64($0)) }
        func uniform() -> Double { own != nil ? own!.uniform() : rng.uniform() }
        func normal() -> Double { own != nil ? own!.normal() : rng.normal() }
        let u = (0..<(3 * N)).map { _ in uniform() }
        let g = (0..<(3 * N)).map { _ in normal() }
        let w = (0..<(3 * N)).map { spec.weightScale * (1 + u[$0]) * (g[$0] < 0 ? -1.0 : 1.0) }

        // 5. Target rates and the bias that makes each neuron's mean rate exactly its target.
        let targetHz = (0..<N).map { _ in spec.rateMinHz + (spec.rateMaxHz - spec.rateMinHz) * uniform() }
        func drive(_ i: Int, _ n: Int) -> Double {
            z[i * 3] * w[n] + z[i * 3 + 1] * w[N + n] + z[i * 3 + 2] * w[2 * N + n]
        }
        var meanExp = [Double](repeating: 0, count: N)
        for i in 0..<samples { for n in 0..<N { meanExp[n] += exp(drive(i, n)) } }
        let bias = (0..<N).map { log(targetHz[$0] / 1000) - log(meanExp[$0] / Double(samples)) }

        // 6. Truth sums the per-ms rates of each bin; latents average the normalised state.
        var truth = [Double](repeating: 0, count: C * T * N)
        var latents = [Double](repeating: 0, count: C * T * 3)
        for c in 0..<C {
            for t in 0..<T {
                let row = (c * T + t)
                for m in (t * binMs)..<((t + 1) * binMs) {
                    let i = c * steps + m
                    for n in 0..<N { truth[row * N + n] += exp(min(max(drive(i, n) + bias[n], -20), 20)) }
                    for d in 0..<3 { latents[row * 3 + d] += z[i * 3 + d] }
                }
                for d in 0..<3 { latents[row * 3 + d] /= Double(binMs) }
            }
        }
        var out = ConditionTruth(truth: truth, latents: latents, latentDim: 3, generator: [
            SynthArray(name: "readout_W", shape: [3, N], values: w),
            SynthArray(name: "readout_b", shape: [N], values: bias),
            SynthArray(name: "target_hz", shape: [N], values: targetHz),
        ])
        if let kick = spec.extPulse {
            pulsedTrials(spec, kick: kick, initial: initial, centre: centre, scale: scale, into: &out) { m, n in
                m[0] * w[n] + m[1] * w[N + n] + m[2] * w[2 * N + n] + bias[n]
            }
        }
        return out
    }

    /// External-input pulses (docs/model.md §16): trial k repeats its condition's start, but at the
    /// first ms of bin p_k (uniform in [T/4, 3T/4), drawn from keyedStream(seed, .synth, 3), so the
    /// condition draws above do not move) x jumps by `kick`. Truth and latents become per trial,
    /// normalised and read out as the condition trajectories are; the pulse is 1 in bin p_k.
    static func pulsedTrials(_ spec: SynthSpec, kick: Double, initial: [(Double, Double, Double)],
                             centre: [Double], scale: [Double], into out: inout ConditionTruth,
                             logRate: ([Double], Int) -> Double) {
        let (T, N, binMs, R) = (spec.bins, spec.neurons, spec.binMs, spec.trialsPerCondition)
        let K = spec.trials, burnIn = Int((spec.burnIn / spec.lorenzDt).rounded())
        var rng = keyedStream(seed: spec.seed, .synth, 3)
        var truth = [Double](repeating: 0, count: K * T * N), latents = [Double](repeating: 0, count: K * T * 3)
        var pulses = [Double](repeating: 0, count: K * T)
        for k in 0..<K {
            let c = k / R
            let bin = T / 4 + Int(Synth.uniformBelow(UInt64(max(T / 2, 1)), &rng))
            pulses[k * T + bin] = 1
            var s = [initial[c].0, initial[c].1, initial[c].2]
            for _ in 0..<burnIn { rk4Step(&s, spec.lorenzDt) }
            for m in 0..<(T * binMs) {
                if m == bin * binMs { s[0] += kick }
                rk4Step(&s, spec.lorenzDt)
                let zn = (0..<3).map { (s[$0] - centre[$0]) / scale[$0] }
                let row = k * T + m / binMs
                for n in 0..<N { truth[row * N + n] += exp(min(max(logRate(zn, n), -20), 20)) }
                for d in 0..<3 { latents[row * 3 + d] += zn[d] / Double(binMs) }
            }
        }
        out.trialTruth = truth; out.trialLatents = latents; out.pulses = pulses
    }

    /// dx = 10(y-x), dy = x(28-z)-y, dz = xy-(8/3)z.
    @inline(__always) static func derivative(_ s: [Double]) -> [Double] {
        [10 * (s[1] - s[0]), s[0] * (28 - s[2]) - s[1], s[0] * s[1] - 8.0 / 3.0 * s[2]]
    }

    /// One classical fourth-order Runge-Kutta step of size h.
    static func rk4Step(_ s: inout [Double], _ h: Double) {
        let k1 = derivative(s)
        let k2 = derivative((0..<3).map { s[$0] + h / 2 * k1[$0] })
        let k3 = derivative((0..<3).map { s[$0] + h / 2 * k2[$0] })
        let k4 = derivative((0..<3).map { s[$0] + h * k3[$0] })
        for d in 0..<3 { s[d] += h / 6 * (k1[d] + 2 * k2[d] + 2 * k3[d] + k4[d]) }
    }
}
