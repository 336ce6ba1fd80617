import Foundation
import Testing
import LFADS
@testable import ModelIO
import Store
import TestSupport

/// LFADS TF's read-in alignment as the PCR read-in of a stitched model (docs/model.md §18):
/// W_in = alignment_matrix_cxf, b_in = −alignment_bias_c·W_in, W_out = W_inᵀ, b_out = alignment_bias_c.
struct PCRAlignmentTests {
    static let R = 2

    static func alignment(_ d: SpikeDataset) -> (a: [Double], c: [Double]) {
        ((0..<(d.N * R)).map { Double(($0 * 7) % 5) * 0.2 - 0.3 + ($0 % R == 0 ? 1 : 0) }, (0..<d.N).map { 0.25 + 0.1 * Double($0) })
    }

    static func write(_ d: SpikeDataset, _ names: [String: [Double]]) throws {
        let f = try H5File.open(d.path, writable: true)
        for (name, v) in names.sorted(by: { $0.key < $1.key }) {
            try f.write(name, shape: v.count == d.N ? [d.N] : [d.N, v.count / d.N], doubles: v)
        }
        try f.close()
    }

    @Test func tfAlignmentGivesTheReadinAndItsTransposeAsReadout() throws {
        let sets = try PCRReadinTests.sessions(TinyConfig.tempDir("modelio", "pcr-tf"))
        for d in sets {
            let (a, c) = Self.alignment(d)
            try Self.write(d, ["alignment_matrix_cxf": a, "alignment_bias_c": c])
        }
        var warnings: [String] = []
        // readout_pcr: pinv applies to lfads-torch's weights; TF's read-out is the transpose.
        let ads = try PCRReadin.adapters(sets, R: Self.R, readout: "pinv", warnings: &warnings)
        for (ad, d) in zip(ads, sets) {
            let (a, c) = Self.alignment(d), N = d.N
            #expect(ad.readinW == a && ad.readoutB == c)
            for j in 0..<Self.R {
                let b = -(0..<N).map { c[$0] * a[$0 * Self.R + j] }.reduce(0, +)
                #expect(abs(ad.readinB[j] - b) < 1e-12)
            }
            for n in 0..<N { for j in 0..<Self.R { #expect(ad.readoutW[j * N + n] == a[n * Self.R + j]) } }
        }
        let reloaded = try SpikeDataset.load(path: sets[0].path)
        #expect(reloaded.warnings.contains { $0.contains("'alignment_matrix_cxf' is used only by a stitched model with readin_init: pcr") })
    }

    @Test func badAlignmentDataAreOneErrorNamingTheFile() throws {
        func refusal(_ name: String, _ change: ([SpikeDataset]) throws -> Void) throws -> String {
            let sets = try PCRReadinTests.sessions(TinyConfig.tempDir("modelio", "pcr-tf-\(name)"))
            for d in sets {
                let (a, c) = Self.alignment(d)
                try Self.write(d, ["alignment_matrix_cxf": a, "alignment_bias_c": c])
            }
            try change(sets)
            var warnings: [String] = []
            do { _ = try PCRReadin.adapters(sets, R: Self.R, readout: "pinv", warnings: &warnings) } catch { return "\(error)" }
            return ""
        }
        var path = ""
        let both = try refusal("both") { sets in
            path = sets[1].path
            try Self.write(sets[1], ["readin_weight": [Double](repeating: 1, count: sets[1].N * Self.R)])
        }
        #expect(both.contains("\(path): has both readin_weight/readout_bias (lfads-torch) and alignment_matrix_cxf"), "\(both)")
        let shape = try refusal("shape") { sets in
            path = sets[0].path
            let f = try H5File.open(path, writable: true)
            try f.remove("alignment_matrix_cxf")
            try f.write("alignment_matrix_cxf", shape: [sets[0].N, 3], doubles: [Double](repeating: 1, count: sets[0].N * 3))
            try f.close()
        }
        #expect(shape.contains("\(path): alignment_matrix_cxf has shape [6, 3], expected [6, 2]"), "\(shape)")
        let half = try refusal("half") { sets in
            path = sets[2].path
            let f = try H5File.open(path, writable: true)
            try f.remove("alignment_bias_c")
            try f.close()
        }
        #expect(half.contains("\(path): alignment_matrix_cxf and alignment_bias_c go together"), "\(half)")
    }
}
