/// The finite-difference check of a stitched model (docs/model.md §12, §18).
extension GradientCheck {
    /// The tiny model of §12 stitched over S sessions of 2 + (i mod 3)·… neurons, readin_dim 3 and
    /// trainable read-ins; with `heldout`, odd sessions hide their last neuron and last bin.
    public static func stitchedHyperparameters(sessions S: Int, heldout: Bool = true) -> Hyperparameters {
        var hp = tinyHyperparameters()
        hp.readinDim = 3
        hp.trainReadin = 1
        hp.setSessions((0..<S).map { i in
            let odd = heldout && i % 2 == 1
            return SessionShape(neurons: 2 + (i * 2) % 5, heldout: odd ? 1 : 0, forwardBins: odd ? 1 : 0)
        })
        return hp
    }

    /// A deterministic stitched problem: perturbed parameters, data per session in the observation
    /// model's domain, one drawn noise bundle; session s has batches[s] trials.
    /// `missing` > 0 (SBTT, §15) makes that fraction of each session's elements NaN from its own stream.
    public static func stitchedProblem(_ hp: Hyperparameters, batches: [Int], seed: UInt64 = 7,
                                       genRecurrentGain: Double = 4, missing: Double = 0)
        -> (model: StitchedModel<Double>, params: [Double], xs: [[Double]], noise: SessionNoise<Double>) {
        let model = StitchedModel<Double>(hp: hp, batches: batches)
        var r = keyedStream(seed: seed, .testData, 1)
        let p = perturbedParameters(hp, layout: model.layout, seed: seed, genRecurrentGain: genRecurrentGain, stream: &r)
        // Data in the observation model's domain (Poisson(1.5) counts for Poisson), as `problem`.
        var xs = zip(hp.sessions, batches).map { s, b in (0..<(hp.seqLen * b * s.neurons)).map { _ in sampleData(hp, &r) } }
        if missing > 0 {
            var m = keyedStream(seed: seed, .testData, 2)
            for s in xs.indices { for i in xs[s].indices where m.uniform() < missing { xs[s][i] = .nan } }
        }
        let noise = model.makeNoise()
        let sv: [[[Double]]]? = hp.svRate > 0
            ? batches.enumerated().map { s, b in (0..<b).map { sessionValidationMask(hp, session: s, split: 0, trialIndex: $0) } }
            : nil
        noise.draw(hp, trials: batches.map { Array(0..<$0) }, epoch: 3, step: 1, kind: .training, svMasks: sv)
        if hp.usesTemporalShift {
            // §17: each session's shifts drawn once and then fixed; xs become the shifted targets.
            for s in xs.indices where batches[s] > 0 {
                xs[s].withUnsafeMutableBufferPointer {
                    noise.applyTemporalShift(hp, session: s, trials: Array(0..<batches[s]), epoch: 3, step: 1, x: $0.baseAddress!)
                }
            }
        }
        return (model, p, xs, noise)
    }

    /// Each session's external inputs [T,B_s,E] for the check (§16), as `externalInputs`: N(0,1) with
    /// every third value 0, from their own stream, sessions in order. Empty arrays when E = 0.
    public static func stitchedExternalInputs(_ hp: Hyperparameters, batches: [Int], seed: UInt64 = 7) -> [[Double]] {
        var r = keyedStream(seed: seed, .testData, 3)
        return batches.map { b in (0..<(hp.seqLen * b * hp.extInputDim)).map { i in i % 3 == 2 ? 0 : r.normal() } }
    }

    /// Central differences on the CD surrogate against the analytic gradient, as `run`, for a
    /// stitched model; every adapter trainable.
    public static func runStitched(_ hp: Hyperparameters, batches: [Int], step h: Double = 1e-6,
                                   seed: UInt64 = 7, missing: Double = 0) -> GradientCheckReport {
        let (model, p0, xs, noise) = stitchedProblem(hp, batches: batches, seed: seed, missing: missing)
        let es = stitchedExternalInputs(hp, batches: batches, seed: seed)
        var params = p0
        var analytic = [Double](repeating: 0, count: params.count)
        var options = SessionPassOptions()
        func withData<R>(_ body: ([UnsafePointer<Double>]) -> R) -> R {
            let ptrs = (xs + es).map { x -> UnsafeMutablePointer<Double> in
                let q = UnsafeMutablePointer<Double>.allocate(capacity: max(x.count, 1)); q.initialize(from: x, count: x.count); return q
            }
            defer { ptrs.forEach { $0.deallocate() } }
            return body(ptrs.map { UnsafePointer($0) })
        }
        let S = xs.count, E = hp.extInputDim
        withData { x in
            params.withUnsafeBufferPointer { pp in
                _ = model.forward(params: pp.baseAddress!, xs: Array(x[..<S]), exts: E > 0 ? Array(x[S...]) : nil,
                                  noise: noise, weights: .full, options: options)
                analytic.withUnsafeMutableBufferPointer { g in
                    model.backward(params: pp.baseAddress!, grads: g.baseAddress!, xs: Array(x[..<S]), noise: noise,
                                   weights: .full, options: options)
                }
            }
        }
        let clipped = clippedFraction(model.core, clip: hp.cellClip)
        options.cdSurrogate = true
        let checks = withData { x in
            compare(layout: model.layout, analytic: analytic, params: &params, step: h) { p in
                p.withUnsafeBufferPointer { pp in
                    model.forward(params: pp.baseAddress!, xs: Array(x[..<S]), exts: E > 0 ? Array(x[S...]) : nil,
                                  noise: noise, weights: .full, options: options).total
                }
            }
        }
        return GradientCheckReport(tensors: checks, scalars: model.layout.count, clippedFraction: clipped)
    }

    /// Per tensor: central differences of `loss` against `analytic`, with run's pass rule.
    static func compare(layout: ParameterLayout, analytic: [Double], params: inout [Double], step h: Double,
                        loss: ([Double]) -> Double) -> [TensorCheck] {
        var checks: [TensorCheck] = []
        for e in layout.entries {
            var maxAbs = 0.0, maxRel = 0.0, worst = 0, failures = 0
            for k in 0..<e.count {
                let i = e.offset + k, saved = params[i]
                params[i] = saved + h; let lp = loss(params)
                params[i] = saved - h; let lm = loss(params)
                params[i] = saved
                let numeric = (lp - lm) / (2 * h), err = abs(analytic[i] - numeric)
                let rel = err / max(abs(numeric), 1e-6)
                if err > 1e-6 + 1e-4 * abs(numeric) || !analytic[i].isFinite { failures += 1 }
                if rel > maxRel { maxRel = rel; worst = k }
                maxAbs = max(maxAbs, err)
            }
            checks.append(TensorCheck(name: e.name, count: e.count, maxAbsError: maxAbs, maxRelError: maxRel,
                                      worstIndex: worst, failures: failures))
        }
        return checks
    }
}
