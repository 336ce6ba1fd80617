import Foundation
import Testing
@testable import ModelIO
import Store

/// External inputs (docs/data.md §1, docs/model.md §16): `{train,valid}_ext_input` [K, T_e, E].
struct ExtInputLoadTests {
    let dir: TempDirectory
    init() throws { dir = try TempDirectory() }
    var p: String { dir.file("ext.h5") }

    /// basic() (K 4/2, T 3, N 2) with E = 2 inputs per bin over `bins` bins: value = 10k + t + j/10.
    static func withExt(bins: Int = 3, E: Int = 2) -> Fixture {
        var f = Fixture.basic()
        for (name, k) in [("train_ext_input", 4), ("valid_ext_input", 2)] {
            let v = (0..<(k * bins * E)).map { i -> Double in
                let (trial, t, j) = (i / (bins * E), i / E % bins, i % E)
                return Double(10 * trial + t) + Double(j) / 10
            }
            f[name] = .init(shape: [k, bins, E], values: v, type: .float32)
        }
        return f
    }

    func loadError(_ f: Fixture, E: Int = 2) throws -> String? {
        try f.write(to: p)
        do { _ = try SpikeDataset.load(path: p, extDim: E).withHeldout(neurons: nil, forwardBins: nil) } catch let e as DatasetError {
            return e.description
        }
        Issue.record("expected a DatasetError")
        return nil
    }

    @Test func inputsLoadAsFloat32TrialMajor() throws {
        try Self.withExt().write(to: p)
        let d = try SpikeDataset.load(path: p, extDim: 2)
        #expect(d.extDim == 2 && d.extBins == 3 && d.warnings.isEmpty)
        #expect(d.trainExt?.count == 4 * 3 * 2 && d.validExt?.count == 2 * 3 * 2)
        #expect(d.trainExt?[(3 * 3 + 1) * 2 + 1] == Float(31.1))
    }

    @Test func shorterInputsAreZeroPaddedOverTheForwardBins() throws {
        var f = Self.withExt(bins: 2)
        f.intAttributes["forward_bins"] = 1
        try f.write(to: p)
        let d = try SpikeDataset.load(path: p, extDim: 2).withHeldout(neurons: nil, forwardBins: nil)
        #expect(d.extBins == 2)
        let e = try #require(d.trainExt)
        #expect(e.count == 4 * 3 * 2)
        for k in 0..<4 {
            #expect(e[(k * 3 + 1) * 2 + 1] == Float(10 * k + 1) + 0.1)
            #expect(e[(k * 3 + 2) * 2] == 0 && e[(k * 3 + 2) * 2 + 1] == 0)
        }
    }

    @Test func withoutExtInputDimTheInputsAreIgnoredWithAWarning() throws {
        try Self.withExt().write(to: p)
        let d = try SpikeDataset.load(path: p)
        #expect(d.trainExt == nil && d.extDim == 0)
        #expect(d.warnings.contains("\(p): 'train_ext_input' ignored: ext_input_dim is 0 (set it to the inputs per bin to use them)"))
        #expect(d.warnings.contains { $0.contains("'valid_ext_input' ignored") })
    }

    @Test func missingDatasetIsAnErrorNamingIt() throws {
        var f = Self.withExt()
        f["valid_ext_input"] = nil
        #expect(try loadError(f) == "\(p): required dataset 'valid_ext_input' not found (ext_input_dim is 2)")
        #expect(try loadError(Fixture.basic(), E: 1)?.contains("'train_ext_input' not found") == true)
    }

    @Test func wrongShapesAreErrorsNamingTheDataset() throws {
        #expect(try loadError(Self.withExt(), E: 3) == "\(p): 'train_ext_input' has 2 inputs per bin but ext_input_dim is 3")
        var f = Self.withExt()
        f["valid_ext_input"] = .init(shape: [3, 3, 2], values: [Double](repeating: 0, count: 18), type: .float32)
        #expect(try loadError(f) == "\(p): 'valid_ext_input' has 3 trials but 'valid_data' has 2")
        f = Self.withExt()
        f["train_ext_input"] = .init(shape: [4, 6], values: [Double](repeating: 0, count: 24), type: .float32)
        #expect(try loadError(f)?.contains("'train_ext_input' must be 3-D") == true)
        // T_e must be T, or T − forward_bins; here forward_bins is 0.
        #expect(try loadError(Self.withExt(bins: 2)) == "\(p): 'train_ext_input' has 2 bins; expected T = 3 or T − forward_bins = 3")
        f = Self.withExt(bins: 2)
        f["valid_ext_input"] = Self.withExt(bins: 3)["valid_ext_input"]
        #expect(try loadError(f) == "\(p): 'valid_ext_input' has 3 bins but 'train_ext_input' has 2")
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func nonFiniteInputIsAnErrorWithItsIndex(_ v: Double) throws {
        var f = Self.withExt()
        f["valid_ext_input"]!.type = .float64   // the writer refuses to store ±inf as float32
        f.set("valid_ext_input", at: [1, 2, 0], to: v)
        let message = try #require(try loadError(f))
        #expect(message.hasPrefix("\(p): 'valid_ext_input' contains "))
        #expect(message.hasSuffix("at [1,2,0]; external inputs must be finite"))
    }
}
