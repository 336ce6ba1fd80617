import Foundation
import Testing
@testable import ModelIO
import Store

/// Valid files load with exact counts whatever their stored type, and with their metadata.
struct DatasetLoadTests {
    let dir: TempDirectory
    init() throws { dir = try TempDirectory() }
    var p: String { dir.file("good.h5") }

    @Test(arguments: [StoredType.int32, .uint8, .float64, .int64, .uint64, .int16, .float32])
    func countsLoadExactly(type: StoredType) throws {
        let f = Fixture.basic(kTrain: 5, kValid: 3, T: 4, N: 3, type: type)
        try f.write(to: p)
        let d = try SpikeDataset.load(path: p)
        #expect([d.trainCount, d.validCount, d.T, d.N] == [Int]([5, 3, 4, 3]))
        #expect(d.trainCounts == f["train_data"]!.values.map { Float($0) })
        #expect(d.validCounts == f["valid_data"]!.values.map { Float($0) })
        #expect(d.countType == "\(type)")
        #expect(d.indsSynthesized)
        #expect(d.trainInds == [0, 1, 2, 3, 4] && d.validInds == [5, 6, 7])
        #expect(d.trainTruth == nil && d.trainConditions == nil && d.binMs == nil)
        #expect(d.conversionFactor == 1 && d.heldoutNeurons == 0 && d.forwardBins == 0)
        #expect(d.warnings.isEmpty)
    }

    @Test func largestExactCountIsAccepted() throws {
        var f = Fixture.basic()
        f.set("train_data", at: [0, 0, 0], to: 16_777_216)
        try f.write(to: p)
        #expect(try SpikeDataset.load(path: p).trainCounts[0] == 16_777_216)
    }

    @Test func metadataIsReadAndTruthDividedByTheConversionFactor() throws {
        var f = Fixture.basic(N: 3)
        f["train_truth"] = .init(shape: [4, 3, 3], values: (0..<36).map { Double($0) / 8 }, type: .float32)
        f["valid_truth"] = .init(shape: [2, 3, 3], values: (0..<18).map { Double($0) / 4 }, type: .float64)
        f["conversion_factor"] = .init(shape: [], values: [2], type: .float32)
        f.doubleAttributes["conversion_factor"] = 2
        f["train_inds"] = .init(shape: [4], values: [9, 0, 4, 2], type: .int32)
        f["valid_inds"] = .init(shape: [2], values: [1, 7], type: .uint16)
        f["condition_labels_train"] = .init(shape: [4], values: [2, 0, 1, 0], type: .int64)
        f["condition_labels_valid"] = .init(shape: [2], values: [0, 2], type: .int64)
        f.doubleAttributes["bin_ms"] = 5
        f.intAttributes["heldout_neurons"] = 1
        f.intAttributes["forward_bins"] = 2
        try f.write(to: p)
        let d = try SpikeDataset.load(path: p)
        #expect(d.trainTruth == (0..<36).map { Double($0) / 16 })
        #expect(d.validTruth == (0..<18).map { Double($0) / 8 })
        #expect(d.conversionFactor == 2)
        #expect(!d.indsSynthesized && d.trainInds == [9, 0, 4, 2] && d.validInds == [1, 7])
        #expect(d.trainConditions == [2, 0, 1, 0] && d.validConditions == [0, 2])
        #expect(d.binMs == 5 && d.heldoutNeurons == 1 && d.forwardBins == 2)
        #expect(d.warnings.isEmpty)
        #expect(d.path == p)
    }

    @Test func attributeAloneSetsTheFactor() throws {
        var f = Fixture.basic()
        f["train_truth"] = .init(shape: [4, 3, 2], values: [Double](repeating: 1, count: 24), type: .float32)
        f.doubleAttributes["conversion_factor"] = 4
        try f.write(to: p)
        let d = try SpikeDataset.load(path: p)
        #expect(d.conversionFactor == 4 && d.trainTruth == [Double](repeating: 0.25, count: 24))
    }

    @Test func warningsForUnsupportedDatasetsAndTruthWithoutFactor() throws {
        var f = Fixture.basic()
        f["train_truth"] = .init(shape: [4, 3, 2], values: [Double](repeating: 0.5, count: 24), type: .float32)
        f["train_ext_input"] = .init(shape: [4, 3, 1], values: [Double](repeating: 0, count: 12), type: .float32)
        f["alignment_matrix_cxf"] = .init(shape: [2, 2], values: [1, 0, 0, 1], type: .float64)
        f["train_latents"] = .init(shape: [4, 3, 1], values: [Double](repeating: 0, count: 12), type: .float32)
        f["generator/rnn_W"] = .init(shape: [2, 2], values: [1, 0, 0, 1], type: .float64)
        try f.write(to: p)
        let d = try SpikeDataset.load(path: p)
        #expect(d.warnings == [
            "\(p): 'alignment_matrix_cxf' is used only by a stitched model with readin_init: pcr, ignored otherwise",
            "\(p): 'train_ext_input' ignored: ext_input_dim is 0 (set it to the inputs per bin to use them)",
            "\(p): truth present but no conversion_factor; assuming 1.0 (truth already in spikes/bin)",
        ])
        #expect(d.trainTruth == [Double](repeating: 0.5, count: 24) && d.validTruth == nil)
    }

    @Test func canonicalConditionNameWinsOverItsAlias() throws {
        var f = Fixture.basic()
        f["train_condition"] = .init(shape: [4], values: [0, 1, 0, 1], type: .int64)
        f["valid_condition"] = .init(shape: [2], values: [1, 1], type: .int64)
        f["condition_labels_train"] = .init(shape: [4], values: [5, 5, 5, 5], type: .int64)
        try f.write(to: p)
        let d = try SpikeDataset.load(path: p)
        #expect(d.trainConditions == [0, 1, 0, 1] && d.validConditions == [1, 1])
        #expect(d.warnings == ["\(p): both 'train_condition' and 'condition_labels_train' present; using 'train_condition'"])
    }

    @Test func contentHashIgnoresStorageTypeAndIsLittleEndianInt64() throws {
        var hashes: [String] = []
        for type in [StoredType.int32, .float64, .uint8] {
            let name = dir.file("\(type).h5")
            try Fixture.basic(type: type).write(to: name)
            hashes.append(try SpikeDataset.load(path: name).dataContentSHA256())
        }
        #expect(Set(hashes).count == 1)
        let f = Fixture.basic()
        var bytes: [UInt8] = []
        for v in f["train_data"]!.values + f["valid_data"]!.values {
            withUnsafeBytes(of: Int64(v).littleEndian) { bytes += $0 }
        }
        #expect(hashes[0] == sha256Hex(bytes))
    }
}
