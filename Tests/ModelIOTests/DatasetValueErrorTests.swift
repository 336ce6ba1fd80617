import Foundation
import Testing
@testable import ModelIO
import Store

/// Counts and truth with bad values: each message names the value and its first [k,t,n].
struct DatasetValueErrorTests {
    let dir: TempDirectory
    init() throws { dir = try TempDirectory() }
    var p: String { dir.file("bad.h5") }

    @Test func nanCountReportsTheFirstIndex() throws {
        var f = Fixture.basic(type: .float64)
        f.set("train_data", at: [3, 1, 0], to: .nan)
        f.set("train_data", at: [3, 2, 1], to: .nan)
        #expect(try dir.loadError(f) == "\(p): 'train_data' contains NaN at [3,1,0] (NaN marks a missing element only with sbtt: 1)")
    }

    @Test func infiniteCount() throws {
        var f = Fixture.basic(type: .float64)
        f.set("valid_data", at: [1, 0, 1], to: -.infinity)
        #expect(try dir.loadError(f) == "\(p): 'valid_data' contains -inf at [1,0,1]")
    }

    @Test func negativeCount() throws {
        var f = Fixture.basic()
        f.set("train_data", at: [1, 2, 1], to: -1)
        #expect(try dir.loadError(f) == "\(p): 'train_data' contains negative count -1 at [1,2,1]")
    }

    @Test func nonIntegerFloatCount() throws {
        var f = Fixture.basic(type: .float32)
        f.set("train_data", at: [0, 1, 1], to: 0.5)
        #expect(try dir.loadError(f) == "\(p): 'train_data' is float but holds non-integer count 0.5 at [0,1,1]")
    }

    @Test func countAboveFloat32ExactRange() throws {
        var f = Fixture.basic()
        f.set("valid_data", at: [1, 0, 0], to: 31_000_000)
        #expect(try dir.loadError(f) == "\(p): 'valid_data' count 3.1e7 at [1,0,0] exceeds 16777216 (not exact in Float32)")
    }

    @Test func countJustAboveTwoToThe24() throws {
        var f = Fixture.basic(type: .float64)
        f.set("train_data", at: [2, 2, 0], to: 16_777_217)
        #expect(try dir.loadError(f) ==
            "\(p): 'train_data' count 1.6777217e7 at [2,2,0] exceeds 16777216 (not exact in Float32)")
    }

    @Test func truthShapeDiffers() throws {
        var f = Fixture.basic()
        f["train_truth"] = .init(shape: [4, 3, 1], values: [Double](repeating: 0.1, count: 12), type: .float32)
        #expect(try dir.loadError(f) == "\(p): 'train_truth' shape (4, 3, 1) differs from 'train_data' (4, 3, 2)")
    }

    @Test func truthNaN() throws {
        var f = Fixture.basic()
        f["valid_truth"] = .init(shape: [2, 3, 2], values: [Double](repeating: 0.1, count: 12), type: .float64)
        f.set("valid_truth", at: [1, 2, 0], to: .nan)
        #expect(try dir.loadError(f) == "\(p): 'valid_truth' contains NaN at [1,2,0]")
    }

    @Test func truthNegative() throws {
        var f = Fixture.basic()
        f["train_truth"] = .init(shape: [4, 3, 2], values: [Double](repeating: 0.1, count: 24), type: .float32)
        f.set("train_truth", at: [2, 0, 1], to: -0.25)
        #expect(try dir.loadError(f) == "\(p): 'train_truth' contains negative value -0.25 at [2,0,1]")
    }

    @Test func truthNotFloat() throws {
        var f = Fixture.basic()
        f["train_truth"] = .init(shape: [4, 3, 2], values: [Double](repeating: 1, count: 24), type: .int64)
        #expect(try dir.loadError(f) == "\(p): 'train_truth' has type int64; expected float truth")
    }

    @Test func conversionFactorZero() throws {
        var f = Fixture.basic()
        f["conversion_factor"] = .init(shape: [], values: [0], type: .float64)
        #expect(try dir.loadError(f) ==
            "\(p): conversion_factor must be positive and finite, got 0 (dataset 'conversion_factor')")
    }

    @Test func conversionFactorAttributeNegativeOrInfinite() throws {
        var f = Fixture.basic()
        f.doubleAttributes["conversion_factor"] = -2
        #expect(try dir.loadError(f) == "\(p): conversion_factor must be positive and finite, got -2 (root attribute)")
        f.doubleAttributes["conversion_factor"] = .infinity
        #expect(try dir.loadError(f) == "\(p): conversion_factor must be positive and finite, got inf (root attribute)")
    }

    @Test func conversionFactorDatasetAndAttributeDisagree() throws {
        var f = Fixture.basic()
        f["conversion_factor"] = .init(shape: [], values: [2], type: .float64)
        f.doubleAttributes["conversion_factor"] = 1
        #expect(try dir.loadError(f) == "\(p): conversion_factor dataset (2.0) and root attribute (1.0) disagree")
    }

    @Test func conversionFactorNotScalar() throws {
        var f = Fixture.basic()
        f["conversion_factor"] = .init(shape: [2], values: [1, 1], type: .float64)
        #expect(try dir.loadError(f) == "\(p): 'conversion_factor' must be a single number, got shape (2,)")
    }
}
