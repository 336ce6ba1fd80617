import Testing
@testable import Bench
import LFADS

/// docs/model.md §11's table: F_fwd and F_step of the two benchmark configurations.
struct FlopCountTests {
    @Test(arguments: [("lorenz-small", 1.963, 5.605), ("maze-medium", 13.167, 35.731)])
    func matchesTheSpecTable(name: String, forward: Double, step: Double) throws {
        let c = try #require(BenchConfig.named[name])
        let f = FlopCount(c.hp, batch: 128)
        #expect(abs(f.forward / 1e9 - forward) < 0.0005, "\(name) F_fwd \(f.forward / 1e9)")
        #expect(abs(f.step / 1e9 - step) < 0.0005, "\(name) F_step \(f.step / 1e9)")
    }

    @Test func parameterCountsMatchTheSpec() throws {
        #expect(ParameterLayout(try #require(BenchConfig.named["lorenz-small"]).hp).count == 177_541)
        #expect(ParameterLayout(try #require(BenchConfig.named["maze-medium"]).hp).count == 398_653)
    }

    @Test func withoutControllerTheControllerTermsVanish() throws {
        var hp = try #require(BenchConfig.named["lorenz-small"]).hp
        hp.coDim = 0
        let f = FlopCount(hp, batch: 128)
        let T = 50.0, B = 128.0
        let expected = T * 12 * B * 64 * (29 + 64) + T * 6 * B * 100 * 100 + (T + 1) * 2 * B * 100 * 40
            + T * 2 * B * 40 * 29 + 2 * B * 128 * 128 + 2 * B * 64 * 100
        #expect(f.forward == expected)
    }

    /// ZIG reads out P = 3 channels per neuron (docs/model.md §14): only the read-out GEMM grows.
    @Test func observationChannelsWidenOnlyTheReadout() throws {
        var hp = try #require(BenchConfig.named["lorenz-small"]).hp
        let poisson = FlopCount(hp, batch: 128)
        hp.recon = "zig"
        let zig = FlopCount(hp, batch: 128)
        let extra = 50.0 * 2 * 128 * 40 * 29 * 2
        #expect(zig.forward - poisson.forward == extra)
        #expect(zig.step - poisson.step == 3 * extra)
    }
}
