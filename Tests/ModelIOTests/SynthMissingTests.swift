import Foundation
import Testing
@testable import ModelIO

/// `spikesae synth --missing-fraction` (docs/data.md §3, docs/model.md §15).
struct SynthMissingTests {
    let dir: TempDirectory
    init() throws { dir = try TempDirectory() }

    @Test func missingElementsLeaveCountsTruthAndSplitAsTheyWere() throws {
        let spec = SynthTests.smallLorenz()
        var withMissing = spec
        withMissing.missingFraction = 0.3
        let a = try Synth.generate(spec), b = try Synth.generate(withMissing)
        #expect(a.counts == b.counts && a.trainInds == b.trainInds && a.validInds == b.validInds)
        #expect(a.conditionTruth.map(\.bitPattern) == b.conditionTruth.map(\.bitPattern))
        let m = try #require(b.missing)
        let frac = Double(m.filter { $0 }.count) / Double(m.count)
        #expect(abs(frac - 0.3) < 0.03)

        // The file holds NaN and a matching obs_mask; it loads only with SBTT, back to the same data.
        let path = dir.file("missing.h5")
        try b.write(to: path)
        let d = try SpikeDataset.load(path: path, missing: true)
        let expected = b.data(ofTrials: b.trainInds)
        #expect(d.trainCounts.count == expected.count)
        let same = zip(d.trainCounts, expected).allSatisfy { $0.isNaN ? $1.isNaN : Double($0) == $1 }
        #expect(same)
        #expect(d.trainCounts.contains { $0.isNaN })
        #expect(throws: DatasetError.self) { try SpikeDataset.load(path: path) }
    }

    @Test func missingFractionOutOfRangeIsRefused() {
        var spec = SynthTests.smallLorenz()
        spec.missingFraction = 1
        #expect(throws: SynthError("missing_fraction must be in [0, 1), got 1.0")) { try Synth.generate(spec) }
    }
}
