import Foundation
import Testing
@testable import LFADS

/// The posterior-mean pass (docs/model.md §9: dropout, CD and SV off, raw x into the encoders,
/// z_ic = μ_ic, u_t = μ_co,t) of the golden models against an independent Float64 numpy forward
/// pass (Fixtures/make_posterior_mean.py). The fixture also holds the pass with the encoder input
/// scaled by 1/(1 − sv_rate), so the test shows which of the two we compute.
struct PosteriorMeanGoldenTests {
    @Test(arguments: ["tiny", "nocon", "lag2"])
    func posteriorMeanPassMatchesReference(_ name: String) throws {
        let c = try GoldenTests.load("golden_\(name)")
        let m = c.model, d = m.dims
        let f = try GoldenTests.fixture("posterior_mean_\(name)")
        let x = GoldenTests.timeMajor(try f.readDouble("x").values, B: d.B, T: d.T)
        #expect(x == c.x)
        let noise = NoiseBundle<Double>(d)
        var options = PassOptions()
        options.latents = .posteriorMean
        c.params.withUnsafeBufferPointer { p in
            x.withUnsafeBufferPointer { xp in
                _ = m.forward(params: p.baseAddress!, x: xp.baseAddress!, noise: noise, weights: c.weights, options: options)
            }
        }
        func compare(_ dataset: String, _ buf: UnsafeMutablePointer<Double>, timeMajor: Bool = true) throws -> Double {
            let ref = try f.readDouble(dataset).values
            let ours = Array(UnsafeBufferPointer(start: buf, count: ref.count))
            return GoldenTests.relError(ours, timeMajor ? GoldenTests.timeMajor(ref, B: d.B, T: d.T) : ref)
        }
        #expect(try compare("logrates", m.logRates.p) < 1e-10, "\(name) logrates")
        #expect(try compare("factors", m.phi.p) < 1e-10, "\(name) factors")
        #expect(try compare("ic_mean", m.icMean.p, timeMajor: false) < 1e-10, "\(name) ic_mean")
        #expect(try compare("logrates_sv_scaled", m.logRates.p) > 1e-3, "\(name): the SV-scaled variant must differ")
    }
}
