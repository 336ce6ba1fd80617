import Foundation
import Testing
import LFADS
@testable import ModelIO
import Store

/// Non-count data under the observation models of docs/model.md §14 (docs/data.md §1): each model's
/// domain, checked at load, with the offending value and its [k,t,n] in the message.
struct DataDomainTests {
    let dir: TempDirectory
    init() throws { dir = try TempDirectory() }
    var p: String { dir.file("bad.h5") }

    static func floats(_ values: (Int) -> Double) -> Fixture {
        var f = Fixture.basic(type: .float64)
        for name in ["train_data", "valid_data"] {
            let a = f.arrays[name]!
            f.arrays[name] = Fixture.Array(shape: a.shape, values: (0..<a.values.count).map(values), type: .float64)
        }
        return f
    }

    @Test func domainFollowsRecon() {
        var hp = Hyperparameters()
        #expect(DataDomain(hp) == .counts)
        hp.recon = "gaussian"; #expect(DataDomain(hp) == .real)
        hp.recon = "gamma"; #expect(DataDomain(hp) == .positive)
        hp.recon = "zig"; hp.gammaLoc = 0.25; #expect(DataDomain(hp) == .zeroOrAbove(loc: 0.25))
    }

    @Test func gaussianTakesAnyFiniteValueButNaN() throws {
        let f = Self.floats { Double($0) * 0.37 - 2 }
        try f.write(to: p)
        let d = try SpikeDataset.load(path: p, domain: .real)
        #expect(d.trainCounts.contains { $0 < 0 } && d.trainCounts.contains { $0 != $0.rounded() })
        var g = f
        g.set("valid_data", at: [1, 2, 0], to: .nan)
        #expect(try dir.loadError(g, domain: .real) == "\(p): 'valid_data' contains NaN at [1,2,0] (NaN marks a missing element only with sbtt: 1)")
    }

    @Test func gammaRefusesZeroNamingTheElement() throws {
        var f = Self.floats { 0.5 + Double($0) }
        f.set("train_data", at: [2, 1, 1], to: 0)
        #expect(try dir.loadError(f, domain: .positive)
                == "\(p): 'train_data' value 0 at [2,1,1] is not > 0 (recon: gamma needs positive data)")
    }

    @Test func zigTakesZeroAndValuesAboveLocOnly() throws {
        var f = Self.floats { $0 % 3 == 0 ? 0 : 0.1 + Double($0) * 0.01 }
        try f.write(to: p)
        #expect(try SpikeDataset.load(path: p, domain: .zeroOrAbove(loc: 0.1)).trainCounts.contains(0))
        f.set("valid_data", at: [0, 2, 1], to: 0.05)
        #expect(try dir.loadError(f, domain: .zeroOrAbove(loc: 0.1))
                == "\(p): 'valid_data' value 0.05 at [0,2,1] is neither 0 nor > gamma_loc = 0.1 (recon: zig)")
        // Counts are still counts: the same file under Poisson names its first non-integer.
        #expect(try dir.loadError(f)?.contains("is float but holds non-integer count") == true)
    }

    @Test func zigSynthMakesCalciumLikeEventsWithTheirMeanAsTruth() throws {
        var spec = SynthSpec(system: .lorenz, seed: 3)
        spec.conditions = 10; spec.trialsPerCondition = 40
        let plain = try Synth.generate(spec)
        #expect(!spec.json().contains("observation"), "a Poisson spec's params_json is unchanged")
        spec.useZIG(loc: 0.1, shape: 2, amplitude: 1)
        let zig = try Synth.generate(spec)
        #expect(zig.trainInds == plain.trainInds && zig.conditionLatents == plain.conditionLatents)
        let values = try #require(zig.values)
        #expect(values.allSatisfy { $0 == 0 || $0 > 0.1 })
        let zeros = Double(values.filter { $0 == 0 }.count) / Double(values.count)
        #expect(zeros > 0.6 && zeros < 0.95, "zero fraction \(zeros)")
        // Truth is E[x] = q·loc + r: the sample mean over all trials matches it within a few SE.
        let truth = zig.truth(ofTrials: Array(0..<spec.trials))
        let meanX = values.reduce(0, +) / Double(values.count), meanT = truth.reduce(0, +) / Double(truth.count)
        #expect(abs(meanX - meanT) < 0.02 * meanT, "mean events \(meanX) vs truth \(meanT)")
        try zig.write(to: p)
        let d = try SpikeDataset.load(path: p, domain: .zeroOrAbove(loc: 0.1))
        #expect(d.countType == "float32")
        #expect(try H5File.open(p).stringAttribute("observation") == "zig")
        #expect(dir.loadError(path: p)?.contains("non-integer count") == true)
    }
}
