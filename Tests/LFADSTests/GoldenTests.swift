import Foundation
import Testing
@testable import LFADS
import ModelIO
import Store

/// docs/model.md §13: the whole loss of a tiny model against an independent PyTorch implementation,
/// with its parameters, inputs and noise bundle injected; everything in Float64.
struct GoldenTests {
    struct Case {
        let model: LFADSModel<Double>
        let params: [Double]
        let x: [Double]              // [T,B,N]
        let noise: NoiseBundle<Double>
        let weights: LossWeights
        let file: H5File
    }

    static func fixture(_ name: String) throws -> H5File {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "h5", subdirectory: "Fixtures"),
                               "fixture \(name).h5 is missing from Tests/LFADSTests/Fixtures")
        return try H5File.open(url.path)
    }

    /// [B,T,W] batch-major (the file's layout) to [T,B,W] time-major (the model's).
    static func timeMajor(_ v: [Double], B: Int, T: Int) -> [Double] {
        let w = v.count / (B * T)
        var out = [Double](repeating: 0, count: v.count)
        for b in 0..<B { for t in 0..<T { for j in 0..<w { out[(t * B + b) * w + j] = v[(b * T + t) * w + j] } } }
        return out
    }

    static func load(_ name: String) throws -> Case {
        let f = try fixture(name)
        let hp = try Hyperparameters(json: try #require(try f.stringAttribute("hps"))).validated()
        let wJSON = try #require(try f.stringAttribute("weights"))
        let w = try #require(try JSONSerialization.jsonObject(with: Data(wJSON.utf8)) as? [String: Double])
        let (_, xRaw) = try f.readDouble("inputs/x")
        let B = xRaw.count / (hp.seqLen * hp.dataDim), T = hp.seqLen
        let model = LFADSModel<Double>(hp: hp, batch: B)
        let params = try ParameterFile.readTensors(f, layout: model.layout, group: "params/", as: Double.self)
        let noise = NoiseBundle<Double>(model.dims)
        func batchMajor(_ n: String, into buf: Buffer<Double>) throws {
            buf.copy(from: timeMajor(try f.readDouble(n).values, B: B, T: T))
        }
        func asIs(_ n: String, into buf: Buffer<Double>) throws { buf.copy(from: try f.readDouble(n).values) }
        func batchMajor(_ n: String, into mask: Mask<Double>) throws {
            mask.copy(from: timeMajor(try f.readDouble(n).values, B: B, T: T))
        }
        func asIs(_ n: String, into mask: Mask<Double>) throws { mask.copy(from: try f.readDouble(n).values) }
        try batchMajor("inputs/sv_mask", into: noise.svMask)
        noise.svApplied = hp.svRate > 0   // the reference's training pass applies its SV mask
        try batchMajor("noise/do_in", into: noise.dIn)
        try asIs("noise/do_ic", into: noise.dIc)
        try asIs("noise/do_g0", into: noise.dG0)
        try asIs("noise/do_gen", into: noise.dG)
        try asIs("noise/eps_ic", into: noise.epsIc)
        try batchMajor("noise/cd_keep", into: noise.cdKeep)
        noise.cdGrad.copy(from: timeMajor(try f.readUInt8("noise/cd_grad").values.map(Double.init), B: B, T: T))
        if hp.hasController {
            try batchMajor("noise/do_ci", into: noise.dCi)
            try asIs("noise/do_fac_con", into: noise.dPhi)
            try asIs("noise/eps_co", into: noise.epsCo)
            try batchMajor("noise/eps_kl", into: noise.epsKl)
        }
        return Case(model: model, params: params, x: timeMajor(try f.readDouble("inputs/x").values, B: B, T: T),
                    noise: noise, weights: LossWeights(kl: try #require(w["w_kl"]), l2: try #require(w["w_l2"])), file: f)
    }

    /// max|Δ| / max|ref|, the fixture's relative error.
    static func relError(_ a: [Double], _ ref: [Double]) -> Double {
        precondition(a.count == ref.count)
        let scale = ref.map(abs).max() ?? 0
        let diff = zip(a, ref).map { abs($0 - $1) }.max() ?? 0
        return scale > 0 ? diff / scale : diff
    }

    @Test(arguments: ["golden_tiny", "golden_nocon", "golden_lag2"])
    func lossesOutputsAndGradientsMatchReference(_ name: String) throws {
        let c = try Self.load(name)
        let m = c.model, d = m.dims
        var grads = [Double](repeating: 0, count: m.layout.count)
        let terms = c.params.withUnsafeBufferPointer { p in
            c.x.withUnsafeBufferPointer { x in
                let t = m.forward(params: p.baseAddress!, x: x.baseAddress!, noise: c.noise, weights: c.weights)
                grads.withUnsafeMutableBufferPointer { g in
                    m.backward(params: p.baseAddress!, grads: g.baseAddress!, x: x.baseAddress!, noise: c.noise, weights: c.weights)
                }
                return t
            }
        }
        let f = c.file
        let expected: [(String, Double)] = [("total", terms.total), ("recon", terms.recon), ("kl_ic", terms.klIc),
                                            ("kl_co", terms.klCo), ("l2", terms.l2), ("sv_nll", terms.svNll)]
        for (n, got) in expected {
            let ref = try f.readDouble("losses/\(n)").values[0]
            #expect(Self.relError([got], [ref]) < 1e-10, "\(name) losses/\(n): \(got) vs \(ref)")
        }
        /// ld: the row stride of buf when wider than width (the generator's states live in its input rows).
        func out(_ n: String, _ buf: UnsafeMutablePointer<Double>, width: Int, ld: Int? = nil, timeMajorStates: Bool = true) throws {
            let ref = try f.readDouble("outputs/\(n)").values, ld = ld ?? width
            let ours = (0..<(ref.count / width)).flatMap { r in (0..<width).map { buf[r * ld + $0] } }
            let cmp = timeMajorStates ? Self.timeMajor(ref, B: d.B, T: d.T) : ref
            #expect(Self.relError(ours, cmp) < 1e-10, "\(name) outputs/\(n)")
        }
        try out("logrates", m.logRates.p, width: d.N)
        try out("factors", m.phi.p, width: d.F)
        try out("gen_states", m.generatorStates, width: d.Hg, ld: m.generatorStatesLd)
        try out("g0", m.gen.initial, width: d.Hg, ld: m.gen.stateLd, timeMajorStates: false)
        try out("ic_mean", m.icMean.p, width: d.D, timeMajorStates: false)
        try out("ic_var", m.icVar.p, width: d.D, timeMajorStates: false)
        if d.hasController {
            try out("co_mean", m.coMean.p, width: d.U)
            try out("co_logvar", m.coLogvar.p, width: d.U)
        }
        for e in m.layout.entries {
            let ref = try f.readDouble("grads/\(e.name)").values
            #expect(ref.count == e.count, "\(name) grads/\(e.name) size")
            let err = Self.relError(Array(grads[e.offset..<(e.offset + e.count)]), ref)
            #expect(err < 1e-9, "\(name) grads/\(e.name): relative error \(err)")
        }
    }
}
