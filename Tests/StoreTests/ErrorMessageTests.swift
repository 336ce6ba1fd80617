import Foundation
import XCTest
@testable import Store

final class ErrorMessageTests: StoreTestCase {
    func testMissingFile() {
        let path = file("absent.h5")
        let error = storeError { _ = try H5File.open(path) }
        XCTAssertEqual(error, .cannotOpen(file: path, reason: "No such file or directory"))
        XCTAssertEqual(error?.description, "cannot open \(path): No such file or directory")
    }

    func testDirectoryIsNotAFile() {
        XCTAssertEqual(storeError { _ = try H5File.open(directory) }?.description,
                       "cannot open \(directory): Is a directory")
    }

    func testTextFileIsNotHDF5() throws {
        let path = file("notes.h5")
        try Data("trial,time,neuron\n1,2,3\n".utf8).write(to: URL(fileURLWithPath: path))
        let message = storeError { _ = try H5File.open(path) }?.description ?? ""
        XCTAssertTrue(message.hasPrefix("\(path) is not a readable HDF5 file (truncated or corrupt?): "), message)
        XCTAssertTrue(message.contains("signature"), message)
    }

    func testTruncatedFile() throws {
        let path = file("cut.h5")
        let h5 = try H5File.create(path, overwrite: false)
        try h5.write("train_data", shape: [100, 50], doubles: (0..<5000).map(Double.init))
        try h5.close()
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        XCTAssertEqual(truncate(path, off_t(size / 2)), 0)

        let message = storeError { _ = try H5File.open(path) }?.description ?? ""
        XCTAssertTrue(message.hasPrefix("\(path) is not a readable HDF5 file (truncated or corrupt?): "), message)
        XCTAssertTrue(message.contains("truncated file"), message)
    }

    func testCorruptCompressedChunkNamesFileDatasetAndHDF5Reason() throws {
        let path = file("bad.h5")
        let h5 = try H5File.create(path, overwrite: false)
        try h5.write("train_data", shape: [64, 64], floats: (0..<4096).map { Float($0 % 13) }, compress: true)
        try h5.close()
        let (offset, size) = try RawHDF5.firstChunk(path, "train_data")
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: offset + 2)  // keep the zlib header, garble the stream
        try handle.write(contentsOf: Data(repeating: 0xFF, count: size - 2))
        try handle.close()

        let f = try H5File.open(path)
        XCTAssertEqual(try f.info("train_data").shape, [64, 64], "metadata is intact")
        let message = storeError { _ = try f.readFloat("train_data") }?.description ?? ""
        // The chunk's Fletcher32 checksum (docs/data.md §7) refuses it before zlib sees it.
        XCTAssertEqual(message, "\(path) is corrupt: dataset 'train_data' fails its checksum (data error detected by "
                                + "Fletcher32 checksum); the file was damaged after it was written and cannot be used")
        assertNoOpenObjects(f)
    }

    func testMissingDatasetListsWhatIsPresent() throws {
        let path = file("lfads.h5")
        let h5 = try H5File.create(path, overwrite: false)
        try h5.write("train_data", shape: [1], int64s: [1])
        try h5.write("conversion_factor", shape: [], doubles: [1])
        try h5.write("params/gen.W_h", shape: [1], floats: [1])
        XCTAssertEqual(storeError { _ = try h5.readFloat("valid_data") }?.description,
                       "\(path): required dataset 'valid_data' not found (present: conversion_factor, train_data, params/)")
        XCTAssertEqual(storeError { _ = try h5.readFloat("params/gen.W_x") },
                       .datasetNotFound(file: path, dataset: "params/gen.W_x", present: ["params/gen.W_h"]))
        XCTAssertEqual(storeError { _ = try h5.info("nowhere/deep/x") },
                       .datasetNotFound(file: path, dataset: "nowhere/deep/x",
                                        present: ["conversion_factor", "train_data", "params/"]))
    }

    func testEmptyFileSaysNone() throws {
        let path = file("e.h5")
        let h5 = try H5File.create(path, overwrite: false)
        XCTAssertEqual(storeError { _ = try h5.readDouble("x") }?.description,
                       "\(path): required dataset 'x' not found (present: none)")
    }

    func testCreateRefusesToClobberUnlessAsked() throws {
        let path = file("keep.h5")
        let first = try H5File.create(path, overwrite: false)
        try first.write("x", shape: [], floats: [1])
        try first.close()
        XCTAssertEqual(storeError { _ = try H5File.create(path, overwrite: false) },
                       .cannotCreate(file: path, reason: "file exists (pass overwrite: true to replace it)"))
        XCTAssertTrue(try H5File.open(path).exists("x"))

        let second = try H5File.create(path, overwrite: true)
        XCTAssertEqual(second.datasetNames(), [])
    }

    func testCreateInMissingDirectory() {
        let path = file("no/such/dir/out.h5")
        XCTAssertEqual(storeError { _ = try H5File.create(path, overwrite: true) }?.description,
                       "cannot create \(path): directory '\(file("no/such/dir"))': No such file or directory")
    }

    func testShapeMustMatchValues() throws {
        let path = file("s.h5")
        let h5 = try H5File.create(path, overwrite: false)
        XCTAssertEqual(storeError { try h5.write("x", shape: [2, 3], floats: [1, 2, 3]) }?.description,
                       "\(path): dataset 'x': shape [2, 3] needs 6 values but 3 were given")
        XCTAssertEqual(storeError { try h5.write("y", shape: [-1], floats: []) }?.description,
                       "\(path): dataset 'y': shape [-1] has negative dimension -1")
        XCTAssertFalse(h5.exists("x"))
    }

    func testHDF5PrintsNoErrorStackOnFailures() throws {
        let path = file("junk.h5")
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: path))
        let captured = file("stderr.txt")
        let sink = Foundation.open(captured, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let saved = dup(2)
        fflush(nil)
        dup2(sink, 2)
        _ = try? H5File.open(path)
        let h5 = try? H5File.create(file("ok.h5"), overwrite: false)
        _ = try? h5?.readFloat("missing/x")
        _ = try? h5?.info("/")
        fflush(nil)
        dup2(saved, 2)
        Foundation.close(saved)
        Foundation.close(sink)
        XCTAssertEqual(try String(contentsOfFile: captured, encoding: .utf8), "")
    }
}
