import Foundation
import Testing
@testable import ModelIO
import Store

/// Bad inds, conditions and root attributes (held-out neurons, forward bins, bin width).
struct DatasetMetadataErrorTests {
    let dir: TempDirectory
    init() throws { dir = try TempDirectory() }
    var p: String { dir.file("bad.h5") }

    static func withInds(_ train: [Double], _ valid: [Double], type: StoredType = .int64) -> Fixture {
        var f = Fixture.basic()
        f["train_inds"] = .init(shape: [train.count], values: train, type: type)
        f["valid_inds"] = .init(shape: [valid.count], values: valid, type: type)
        return f
    }

    @Test func indsWrongLength() throws {
        // Evaluated first so that a failure shows the message (this once failed in a full parallel
        // run and never alone).
        let message = try dir.loadError(Self.withInds([0, 1, 2], [3, 4]))
        #expect(message == "\(p): 'train_inds' has 3 values but 'train_data' has 4 trials")
    }

    @Test func indsNegative() throws {
        #expect(try dir.loadError(Self.withInds([0, 1, -1, 3], [4, 5])) ==
            "\(p): 'train_inds' contains negative value -1 at [2]")
    }

    @Test func indsDuplicatedAcrossSplits() throws {
        #expect(try dir.loadError(Self.withInds([0, 1, 2, 12], [12, 4])) ==
            "\(p): 'valid_inds' value 12 also in 'train_inds' (valid_inds[0], train_inds[3])")
    }

    @Test func indsDuplicatedWithinASplit() throws {
        #expect(try dir.loadError(Self.withInds([0, 1, 1, 3], [4, 5])) ==
            "\(p): 'train_inds' value 1 appears twice, at [1] and [2]")
    }

    @Test func indsNotIntegers() throws {
        #expect(try dir.loadError(Self.withInds([0, 1, 2, 3], [4, 5], type: .float64)) ==
            "\(p): 'train_inds' has type float64; expected integers")
    }

    @Test func indsNotOneDimensional() throws {
        var f = Self.withInds([0, 1, 2, 3], [4, 5])
        f["valid_inds"]!.shape = [2, 1]
        #expect(try dir.loadError(f) == "\(p): 'valid_inds' must be 1-D, got (2, 1)")
    }

    @Test func indsOnlyForOneSplit() throws {
        var f = Self.withInds([0, 1, 2, 3], [4, 5])
        f["valid_inds"] = nil
        #expect(try dir.loadError(f) == "\(p): 'train_inds' is present but 'valid_inds' is missing; give both or neither")
    }

    @Test func conditionsWrongLength() throws {
        var f = Fixture.basic()
        f["condition_labels_train"] = .init(shape: [4], values: [0, 0, 1, 1], type: .int64)
        f["condition_labels_valid"] = .init(shape: [3], values: [0, 1, 1], type: .int64)
        #expect(try dir.loadError(f) == "\(p): 'condition_labels_valid' has 3 values but 'valid_data' has 2 trials")
    }

    @Test func conditionsNegative() throws {
        var f = Fixture.basic()
        f["train_condition"] = .init(shape: [4], values: [0, 0, -3, 1], type: .int32)
        f["valid_condition"] = .init(shape: [2], values: [0, 1], type: .int32)
        #expect(try dir.loadError(f) == "\(p): 'train_condition' contains negative value -3 at [2]")
    }

    @Test func heldoutNeuronsLeaveNoHeldIn() throws {
        var f = Fixture.basic(N: 29)
        f.intAttributes["heldout_neurons"] = 29
        #expect(try dir.loadError(f) == "\(p): heldout_neurons 29 leaves no held-in neuron (N = 29)")
    }

    @Test func forwardBinsLeaveNoObservedBin() throws {
        var f = Fixture.basic()
        f.intAttributes["forward_bins"] = 3
        #expect(try dir.loadError(f) == "\(p): forward_bins 3 leaves no observed bin (T = 3)")
    }

    @Test func heldoutNeuronsNegative() throws {
        var f = Fixture.basic()
        f.intAttributes["heldout_neurons"] = -1
        #expect(try dir.loadError(f) == "\(p): heldout_neurons must be >= 0, got -1")
    }

    @Test func binWidthNotPositive() throws {
        var f = Fixture.basic()
        f.doubleAttributes["bin_ms"] = 0
        #expect(try dir.loadError(f) == "\(p): root attribute bin_ms must be positive and finite, got 0")
    }

    @Test func configHeldoutConflictingWithTheFile() throws {
        var f = Fixture.basic(N: 5)
        f.intAttributes["heldout_neurons"] = 2
        try f.write(to: p)
        let d = try SpikeDataset.load(path: p)
        #expect(try d.withHeldout(neurons: 2, forwardBins: nil).heldoutNeurons == 2)
        #expect(throws: DatasetError("\(p): config heldout_neurons 3 conflicts with the file's root attribute heldout_neurons 2")) {
            try d.withHeldout(neurons: 3, forwardBins: nil)
        }
        // Without a file value the config decides, within the same limits.
        #expect(try d.withHeldout(neurons: nil, forwardBins: 2).forwardBins == 2)
        #expect(throws: DatasetError("\(p): forward_bins 3 leaves no observed bin (T = 3)")) {
            try d.withHeldout(neurons: nil, forwardBins: 3)
        }
    }
}
