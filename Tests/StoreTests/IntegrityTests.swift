import Foundation
import XCTest
@testable import Store

/// Every file Store writes carries checksums that a read verifies (docs/data.md §7): damaged
/// bytes anywhere give a StoreError, never different numbers, a crash or a hang.
final class IntegrityTests: StoreTestCase {
    // Longer than the 4 KiB an attribute heap block holds, like a search's config attribute.
    private let hps = "{" + (0..<400).map { "\"key\($0)\": \(Double($0) * 0.125)" }.joined(separator: ", ") + "}"

    /// A file shaped like the ones SpikeSAE writes: parameters, a compressed table, int64 indices,
    /// a scalar, a group with more than 8 datasets, and more than 8 attributes, one of them long.
    private func writeSample(_ path: String) throws {
        let f = try H5File.create(path, overwrite: true)
        try f.write("params", shape: [700], floats: (0..<700).map { Float($0) * 0.01 - 3 })
        try f.write("history", shape: [12, 9], doubles: (0..<108).map { Double($0) / 7 }, compress: true)
        try f.write("valid_inds", shape: [40], int64s: (0..<40).map { Int64($0 * 3) })
        try f.write("conversion_factor", shape: [], doubles: [0.25])
        for k in 0..<10 { try f.write("best/size0/t\(k)", shape: [16], floats: (0..<16).map { Float(k * 100 + $0) }) }
        try f.setAttribute("hps", string: hps)
        for k in 0..<9 { try f.setAttribute("note\(k)", string: "value \(k)") }
        try f.setAttribute("epoch", int64: 17)
        try f.setAttribute("lr", double: 0.0125)
        try f.setAttribute("row", int64: 3, on: "best/size0")
        try f.close()
    }

    /// Everything `writeSample` stored, read back the way the readers of results do.
    private func readSample(_ path: String) throws -> [String] {
        let f = try H5File.open(path)
        defer { try? f.close() }
        var out: [String] = []
        out.append("\(try f.readFloat("params"))")
        out.append("\(try f.readDouble("history"))")
        out.append("\(try f.readInt64("valid_inds"))")
        out.append("\(try f.readDouble("conversion_factor"))")
        for k in 0..<10 { out.append("\(try f.readFloat("best/size0/t\(k)"))") }
        out.append(try f.stringAttribute("hps") ?? "nil")
        for k in 0..<9 { out.append(try f.stringAttribute("note\(k)") ?? "nil") }
        out.append("\(try f.int64Attribute("epoch") ?? -1) \(try f.doubleAttribute("lr") ?? -1)")
        out.append("\(try f.int64Attribute("row", on: "best/size0") ?? -1)")
        return out
    }

    private func bytes(_ path: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) }
    private func put(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    /// Damages a copy of the sample with `damage` at each offset; every read must fail with a
    /// StoreError or return exactly the original values.
    private func sweep(_ name: String, offsets: StrideTo<Int>, _ damage: ([UInt8], Int) -> [UInt8]) throws {
        let original = file(name + "-original.h5"), damaged = file(name + ".h5")
        try writeSample(original)
        let expected = try readSample(original), clean = try bytes(original)
        var refused = 0, intact = 0
        for offset in offsets where offset < clean.count {
            try put(damage(clean, offset), damaged)
            do {
                let got = try readSample(damaged)
                XCTAssertEqual(got, expected, "\(name) at byte \(offset) of \(clean.count) read different values without an error")
                intact += 1
            } catch is StoreError {
                refused += 1
            }
        }
        XCTAssertGreaterThan(refused, intact, "\(name): most damage lands in data or metadata and must be refused")
    }

    func testFlippedBytesAnywhereAreRefusedOrHarmless() throws {
        try sweep("flip", offsets: stride(from: 0, to: 1 << 20, by: 23)) { b, i in var c = b; c[i] ^= 0xFF; return c }
    }

    func testZeroed4KBlocksAreRefused() throws {
        try sweep("zero4k", offsets: stride(from: 0, to: 1 << 20, by: 97)) { b, i in
            var c = b
            for j in i..<min(i + 4096, c.count) { c[j] = 0 }
            return c
        }
    }

    func testTruncatedFilesAreRefused() throws {
        try sweep("cut", offsets: stride(from: 0, to: 1 << 20, by: 61)) { b, i in Array(b.prefix(i)) }
    }

    func testADamagedDataBlockNamesTheFileAndTheDataset() throws {
        let path = file("params.h5")
        try writeSample(path)
        let chunk = try XCTUnwrap(H5File.open(path).chunkLocations("params").first)
        var b = try bytes(path)
        b[chunk.offset + chunk.size / 2] ^= 0x01  // one bit of one float
        try put(b, path)
        let f = try H5File.open(path)
        let error = storeError { _ = try f.readFloat("params") }
        guard case let .corrupt(file, object, message)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(file, path)
        XCTAssertEqual(object, "dataset 'params'")
        XCTAssertTrue(message.contains("Fletcher32"), message)
        XCTAssertEqual(error?.description, "\(path) is corrupt: dataset 'params' fails its checksum (\(message)); "
                                           + "the file was damaged after it was written and cannot be used")
        XCTAssertEqual(try f.readFloat("best/size0/t3").values.first, 300, "the other datasets stay readable")
        assertNoOpenObjects(f)
    }

    func testADamagedObjectHeaderNamesTheFile() throws {
        let path = file("header.h5")
        try writeSample(path)
        // The attribute text sits in the root object header: damage one of its characters.
        var b = try bytes(path)
        let needle = Array("\"key30\"".utf8)
        let at = try XCTUnwrap((0..<(b.count - needle.count)).first { Array(b[$0..<($0 + needle.count)]) == needle })
        b[at + 2] = UInt8(ascii: "9")
        try put(b, path)
        let message = storeError { _ = try self.readSample(path) }?.description ?? ""
        XCTAssertTrue(message.hasPrefix(path), message)
        XCTAssertTrue(message.contains("checksum"), message)
    }

    func testStringAttributesTooLongToChecksumAreRefused() throws {
        let f = try H5File.create(file("long.h5"), overwrite: false)
        let error = storeError { try f.setAttribute("config", string: String(repeating: "x", count: 70_000)) }
        XCTAssertEqual(error, .attributeFailed(file: file("long.h5"), object: "/", attribute: "config",
                                               message: "70000 bytes is longer than the 65000 a checksummed attribute holds"))
        try f.setAttribute("config", string: String(repeating: "x", count: 60_000))
        XCTAssertEqual(try f.stringAttribute("config")?.count, 60_000)
    }

    /// The SHA-256 seal of data HDF5 cannot checksum (a parallel results.h5's rows): a value changed
    /// after sealing, which Fletcher32 alone would accept, is refused by verifyChecksums.
    func testSealedDatasetsRefuseDataChangedAfterSealing() throws {
        let path = file("sealed.h5")
        try writeSample(path)
        let w = try H5File.open(path, writable: true)
        try w.sealDatasets()
        try w.close()
        XCTAssertNoThrow(try H5File.open(path).verifyChecksums())
        XCTAssertEqual(try H5File.open(path).stringAttribute("sha256", on: "best/size0/t3")?.count, 64)
        let d = try H5File.open(path, writable: true)
        try d.writeRows("best/size0/t3", at: 5, floats: [-1])
        try d.close()
        let f = try H5File.open(path)
        let error = storeError { try f.verifyChecksums() }
        guard case let .corrupt(file, object, message)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(file, path)
        XCTAssertEqual(object, "dataset 'best/size0/t3'")
        XCTAssertTrue(message.contains("SHA-256"), message)
    }
}
