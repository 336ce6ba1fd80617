import Foundation
import LFADS

/// Chaotic-RNN rates (docs/data.md §3, after the classic LFADS synthetic data, without
/// the input pulse). Draws, in order: W as NxN normals (row-major [to, from]) scaled by 1/sqrt(N),
/// then x_0 as N normals per condition.
enum SynthChaoticRNN {
    static func generate(_ spec: SynthSpec, _ rng: inout SplitMix64) -> ConditionTruth {
        let (C, T, N) = (spec.conditions, spec.bins, spec.neurons)
        let scale = 1 / Double(N).squareRoot()  // W ~ N(0, 1/N): spectral radius about g
        let w = (0..<(N * N)).map { _ in scale * rng.normal() }
        let x0 = (0..<(C * N)).map { _ in rng.normal() }
        // One step per bin (dt = bin): x_{t+1} = (1-a) x_t + a g W tanh(x_t), a = dt / tau.
        let a = Double(spec.binMs) / spec.tauMs
        let perBin = spec.maxRateHz * Double(spec.binMs) / 1000

        var latents = [Double](repeating: 0, count: C * T * N)
        var truth = [Double](repeating: 0, count: C * T * N)
        var r = [Double](repeating: 0, count: T * N)
        for c in 0..<C {
            var x = Array(x0[(c * N)..<((c + 1) * N)])
            for t in 0..<T {
                // Record first, so the T states are x_0 ... x_{T-1}.
                let h = x.map { tanh($0) }
                for i in 0..<N {
                    latents[(c * T + t) * N + i] = x[i]
                    r[t * N + i] = h[i]
                }
                guard t + 1 < T else { break }
                for i in 0..<N {
                    var input = 0.0
                    for j in 0..<N { input += w[i * N + j] * h[j] }
                    x[i] = (1 - a) * x[i] + a * spec.gain * input
                }
            }
            // Min-max per neuron over this condition's time course, so each spans exactly
            // 0 ... max_rate * dt; the floor keeps a flat trace at 0 instead of dividing by 0.
            for i in 0..<N {
                var lo = Double.infinity, hi = -Double.infinity
                for t in 0..<T { lo = min(lo, r[t * N + i]); hi = max(hi, r[t * N + i]) }
                let range = max(hi - lo, 1e-12)
                for t in 0..<T { truth[(c * T + t) * N + i] = (r[t * N + i] - lo) / range * perBin }
            }
        }
        return ConditionTruth(truth: truth, latents: latents, latentDim: N,
                              generator: [SynthArray(name: "rnn_W", shape: [N, N], values: w)])
    }
}
