import Foundation
import Testing
@testable import ModelIO
import Store

/// SBTT data (docs/data.md §1, docs/model.md §15): NaN or `*_obs_mask` = 0 marks a missing element.
struct MissingDataLoadTests {
    let dir: TempDirectory
    init() throws { dir = try TempDirectory() }
    var p: String { dir.file("bad.h5") }

    func loadMissing(_ f: Fixture, domain: DataDomain = .counts) throws -> SpikeDataset {
        try f.write(to: p)
        return try SpikeDataset.load(path: p, domain: domain, missing: true)
    }

    func missingError(_ f: Fixture, domain: DataDomain = .counts) throws -> String? {
        try f.write(to: p)
        do { _ = try SpikeDataset.load(path: p, domain: domain, missing: true) } catch let e as DatasetError {
            return e.description
        }
        Issue.record("expected a DatasetError")
        return nil
    }

    static func mask(_ shape: [Int], missing: [Int]) -> Fixture.Array {
        var v = [Double](repeating: 1, count: shape.reduce(1, *))
        for i in missing { v[i] = 0 }
        return Fixture.Array(shape: shape, values: v, type: .uint8)
    }

    @Test func nanIsMissingWithSBTT() throws {
        var f = Fixture.basic(type: .float64)
        f.set("train_data", at: [3, 1, 0], to: .nan)
        let d = try loadMissing(f)
        #expect(d.trainCounts[(3 * 3 + 1) * 2 + 0].isNaN)
        #expect(d.trainCounts.filter(\.isNaN).count == 1)
    }

    @Test func maskZeroMakesMissingWhateverTheValue() throws {
        // Values under mask 0 change nothing, bitwise: 5, 1e6, -3 (not even a count) or NaN.
        var loaded: [[UInt32]] = []
        for v in [5.0, 1e6, -3, .nan] {
            var f = Fixture.basic(type: .float64)
            f.set("train_data", at: [2, 0, 1], to: v)
            f["train_obs_mask"] = Self.mask([4, 3, 2], missing: [(2 * 3 + 0) * 2 + 1])
            let d = try loadMissing(f)
            loaded.append(d.trainCounts.map(\.bitPattern))
            #expect(d.trainCounts[(2 * 3 + 0) * 2 + 1].isNaN)
        }
        #expect(Set(loaded.map { $0.description }).count == 1)
    }

    @Test func domainIsCheckedOnObservedElementsOnly() throws {
        var f = Fixture.basic(type: .float64)
        f.set("valid_data", at: [1, 2, 1], to: -2)
        f["valid_obs_mask"] = Self.mask([2, 3, 2], missing: [(1 * 3 + 2) * 2 + 1])
        #expect(try loadMissing(f).validCounts[(1 * 3 + 2) * 2 + 1].isNaN)
        f["valid_obs_mask"] = Self.mask([2, 3, 2], missing: [])
        #expect(try missingError(f) == "\(p): 'valid_data' contains negative count -2 at [1,2,1]")
    }

    @Test func nanWhereMaskSaysObserved() throws {
        var f = Fixture.basic(type: .float64)
        f.set("train_data", at: [0, 2, 1], to: .nan)
        f["train_obs_mask"] = Self.mask([4, 3, 2], missing: [0])
        #expect(try missingError(f) == "\(p): 'train_data' is NaN at [0,2,1] where 'train_obs_mask' says observed (1)")
    }

    @Test func maskOfTheWrongShape() throws {
        var f = Fixture.basic(type: .float64)
        f["valid_obs_mask"] = Self.mask([2, 3, 1], missing: [])
        #expect(try missingError(f) == "\(p): 'valid_obs_mask' shape (2, 3, 1) differs from 'valid_data' (2, 3, 2)")
    }

    @Test func maskValueOtherThanZeroOrOne() throws {
        var f = Fixture.basic(type: .float64)
        var m = Self.mask([4, 3, 2], missing: [])
        m.values[5] = 2
        f["train_obs_mask"] = m
        #expect(try missingError(f) == "\(p): 'train_obs_mask' holds 2 at [0,2,1]; expected 0 (missing) or 1 (observed)")
    }

    @Test func maskWithoutSBTT() throws {
        var f = Fixture.basic(type: .float64)
        f["train_obs_mask"] = Self.mask([4, 3, 2], missing: [1])
        #expect(try dir.loadError(f) == "\(p): 'train_obs_mask' marks missing elements, which needs sbtt: 1 in the hyperparameters")
    }

    @Test func gaussianDomainSkipsMissing() throws {
        var f = Fixture.basic(type: .float64)
        f.set("train_data", at: [1, 1, 1], to: .nan)
        f.set("train_data", at: [1, 1, 0], to: 0)
        let d = try loadMissing(f, domain: .real)
        #expect(d.trainCounts.filter(\.isNaN).count == 1)
    }

    @Test func contentHashTellsMissingFromZero() throws {
        var f = Fixture.basic(type: .float64)
        f.set("train_data", at: [0, 0, 0], to: 0)
        let zero = try loadMissing(f).dataContentSHA256()
        f.set("train_data", at: [0, 0, 0], to: .nan)
        #expect(try loadMissing(f).dataContentSHA256() != zero)
    }
}
