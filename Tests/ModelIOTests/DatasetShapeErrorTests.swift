import Foundation
import Testing
@testable import ModelIO
import Store

/// Files that cannot be opened, lack a required dataset, or hold arrays of the wrong rank,
/// size or type: each refused with the message of docs/data.md §1.
struct DatasetShapeErrorTests {
    let dir: TempDirectory
    init() throws { dir = try TempDirectory() }
    var p: String { dir.file("bad.h5") }

    @Test func missingFile() {
        let missing = dir.file("nope.h5")
        #expect(dir.loadError(path: missing) == "cannot open \(missing): No such file or directory")
    }

    @Test func notAnHDF5File() throws {
        try "train_data,valid_data\n1,2\n".write(toFile: p, atomically: true, encoding: .utf8)
        let message = try #require(dir.loadError(path: p))
        #expect(message.hasPrefix("\(p) is not a readable HDF5 file (truncated or corrupt?): "))
    }

    @Test func truncatedFile() throws {
        try Fixture.basic(kTrain: 40, T: 30, N: 20).write(to: p)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: p))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: p))
        let message = try #require(dir.loadError(path: p))
        #expect(message.hasPrefix("\(p) is not a readable HDF5 file (truncated or corrupt?): "))
    }

    @Test func missingValidDataListsWhatIsPresent() throws {
        var f = Fixture.basic()
        f["valid_data"] = nil
        f["conversion_factor"] = .init(shape: [], values: [1], type: .float64)
        f["generator/readout_b"] = .init(shape: [2], values: [0, 0], type: .float64)
        #expect(try dir.loadError(f) ==
            "\(p): required dataset 'valid_data' not found (present: conversion_factor, train_data, generator/)")
    }

    @Test func wrongRank() throws {
        var f = Fixture.basic()
        f["valid_data"] = .init(shape: [2, 6], values: Fixture.pattern(12, seed: 0), type: .int64)
        #expect(try dir.loadError(f) == "\(p): 'valid_data' must be 3-D [trials,time,neurons], got (2, 6)")
    }

    @Test func zeroTrials() throws {
        var f = Fixture.basic()
        f["valid_data"] = .init(shape: [0, 3, 2], values: [], type: .int64)
        #expect(try dir.loadError(f) == "\(p): 'valid_data' has 0 trials")
    }

    @Test func zeroBins() throws {
        var f = Fixture.basic()
        f["train_data"] = .init(shape: [4, 0, 2], values: [], type: .int64)
        #expect(try dir.loadError(f) == "\(p): 'train_data' has T = 0 bins")
    }

    @Test func zeroNeurons() throws {
        var f = Fixture.basic()
        f["train_data"] = .init(shape: [4, 3, 0], values: [], type: .int64)
        #expect(try dir.loadError(f) == "\(p): 'train_data' has N = 0 neurons")
    }

    @Test func binsDifferBetweenSplits() throws {
        var f = Fixture.basic()
        f["valid_data"] = .init(shape: [2, 4, 2], values: Fixture.pattern(16, seed: 0), type: .int64)
        #expect(try dir.loadError(f) == "\(p): 'valid_data' has 4 bins but 'train_data' has 3")
    }

    @Test func neuronsDifferBetweenSplits() throws {
        var f = Fixture.basic(N: 29)
        f["valid_data"] = .init(shape: [2, 3, 28], values: Fixture.pattern(168, seed: 0), type: .int64)
        #expect(try dir.loadError(f) == "\(p): 'valid_data' has 28 neurons but 'train_data' has 29")
    }

    @Test func stringCounts() throws {
        var f = Fixture.basic()
        f["train_data"] = nil
        f.stringDatasets["train_data"] = ["1", "2", "3"]
        #expect(try dir.loadError(f) == "\(p): 'train_data' has type string; expected integer or float counts")
    }

    @Test func boolCounts() throws {
        var f = Fixture.basic()
        f["valid_data"] = nil
        f.boolDatasets["valid_data"] = [true, false]
        #expect(try dir.loadError(f) == "\(p): 'valid_data' has type bool; expected integer or float counts")
    }

    @Test func float16Counts() throws {
        var f = Fixture.basic()
        f["train_data"]!.type = .float16
        #expect(try dir.loadError(f) == "\(p): 'train_data' has type float16; expected integer or float counts")
    }
}
