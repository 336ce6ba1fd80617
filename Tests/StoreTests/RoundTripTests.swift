import XCTest
@testable import Store

final class RoundTripTests: StoreTestCase {
    let awkwardFloats: [Float] = [0, -0.0, 1, -1.5, .pi, .ulpOfOne, .leastNonzeroMagnitude,
                                  .greatestFiniteMagnitude, .infinity, -.infinity, .nan, Float(bitPattern: 0x0000_1234), Float(bitPattern: 0x7FC1_2345)]
    let awkwardDoubles: [Double] = [0, -0.0, .pi, -.ulpOfOne, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                    -.infinity, .nan, Double(bitPattern: 0x0000_0000_0001_2345), 0.1, 123_456_789.123_456_789, -2.5e-300]

    func testFloatsRoundTripBitExact() throws {
        let h5 = try H5File.create(file("f.h5"), overwrite: false)
        try h5.write("x", shape: [13], floats: awkwardFloats)
        let back = try h5.readFloat("x")
        XCTAssertEqual(back.shape, [13])
        XCTAssertEqual(bits(back.values), bits(awkwardFloats))
        XCTAssertEqual(try h5.info("x"), DatasetInfo(shape: [13], kind: .float(bits: 32)))
    }

    func testDoublesRoundTripBitExactAfterReopen() throws {
        let path = file("d.h5")
        let h5 = try H5File.create(path, overwrite: false)
        try h5.write("x", shape: [3, 4], doubles: awkwardDoubles)
        try h5.close()
        let back = try H5File.open(path).readDouble("x")
        XCTAssertEqual(back.shape, [3, 4])
        XCTAssertEqual(bits(back.values), bits(awkwardDoubles))
    }

    func testInt64AndUInt8RoundTrip() throws {
        let h5 = try H5File.create(file("i.h5"), overwrite: false)
        let ints: [Int64] = [.min, -1, 0, 1, .max, 1 << 53 + 1]
        try h5.write("ints", shape: [2, 3], int64s: ints)
        try h5.write("bytes", shape: [2, 2], uint8s: [0, 1, 254, 255])
        XCTAssertEqual(try h5.readInt64("ints").values, ints)
        XCTAssertEqual(try h5.readInt64("ints").shape, [2, 3])
        XCTAssertEqual(try h5.readUInt8("bytes").values, [0, 1, 254, 255])
        XCTAssertEqual(try h5.info("ints").kind, .integer(bits: 64, signed: true))
        XCTAssertEqual(try h5.info("bytes").kind, .integer(bits: 8, signed: false))
    }

    func testScalarsHaveEmptyShape() throws {
        let h5 = try H5File.create(file("s.h5"), overwrite: false)
        try h5.write("f", shape: [], floats: [2.5])
        try h5.write("d", shape: [], doubles: [-7.25], compress: true)
        try h5.write("i", shape: [], int64s: [42])
        XCTAssertEqual(try h5.readFloat("f").shape, [])
        XCTAssertEqual(try h5.readFloat("f").values, [2.5])
        XCTAssertEqual(try h5.readDouble("d").values, [-7.25])
        XCTAssertEqual(try h5.readInt64("i").values, [42])
        XCTAssertEqual(try h5.info("i").count, 1)
    }

    func testZeroSizedDimensions() throws {
        let h5 = try H5File.create(file("z.h5"), overwrite: false)
        try h5.write("empty", shape: [0, 18], floats: [])
        try h5.write("emptyPacked", shape: [18, 0], doubles: [], compress: true)
        try h5.write("none", shape: [0], int64s: [])
        let back = try h5.readFloat("empty")
        XCTAssertEqual(back.shape, [0, 18])
        XCTAssertEqual(back.values, [])
        XCTAssertEqual(try h5.readDouble("emptyPacked").shape, [18, 0])
        XCTAssertEqual(try h5.readInt64("none").shape, [0])
        XCTAssertEqual(try h5.info("empty").count, 0)
    }

    func testCompressedChunkedRoundTrip() throws {
        let path = file("c.h5")
        let values = (0..<(40 * 30 * 20)).map { Float($0 % 7) }
        let h5 = try H5File.create(path, overwrite: false)
        try h5.write("counts", shape: [40, 30, 20], floats: values, compress: true)
        try h5.close()
        let reopened = try H5File.open(path)
        XCTAssertEqual(try RawHDF5.storageLayout(path, "counts"),
                       StorageLayout(chunked: true, filters: ["shuffle", "deflate", "filter 3"]))  // 3: Fletcher32, last
        XCTAssertEqual(try reopened.readFloat("counts").values, values)
        XCTAssertEqual(try reopened.readFloat("counts").shape, [40, 30, 20])
    }

    func testUncompressedIsChunkedForItsChecksum() throws {
        let h5 = try H5File.create(file("u.h5"), overwrite: false)
        try h5.write("x", shape: [4], floats: [1, 2, 3, 4])
        try h5.write("s", shape: [], doubles: [2])
        try h5.close()
        XCTAssertEqual(try RawHDF5.storageLayout(file("u.h5"), "x"), StorageLayout(chunked: true, filters: ["filter 3"]))
        XCTAssertEqual(try RawHDF5.storageLayout(file("u.h5"), "s"), StorageLayout(chunked: false, filters: []))
    }

    func testChunksKeepTrailingRowsAndStaySmall() {
        XCTAssertEqual(chunkShape([10, 5], elementSize: 4), [10, 5])
        let big = chunkShape([1000, 200, 137], elementSize: 4)
        XCTAssertEqual(Array(big.dropFirst()), [200, 137])
        XCTAssertLessThanOrEqual(big.reduce(4, *), 256 << 10)
        XCTAssertEqual(chunkShape([1, 1, 1 << 20], elementSize: 8), [1, 1, 1 << 15])
    }

    func testNestedGroupsAndDottedNames() throws {
        let path = file("n.h5")
        let h5 = try H5File.create(path, overwrite: false)
        try h5.write("gen.W_h", shape: [2], floats: [1, 2])
        try h5.write("params/gen.W_h", shape: [2], floats: [3, 4])
        try h5.write("/params/enc/ic.b", shape: [1], doubles: [5])
        try h5.write("a.b.c", shape: [], int64s: [6])
        try h5.close()

        let f = try H5File.open(path)
        XCTAssertTrue(f.exists("gen.W_h"))
        XCTAssertTrue(f.exists("/gen.W_h"))
        XCTAssertTrue(f.exists("params/gen.W_h"))
        XCTAssertTrue(f.exists("params/enc/ic.b"))
        XCTAssertTrue(f.exists("params"))
        XCTAssertTrue(f.exists("/"))
        XCTAssertFalse(f.exists("gen"))
        XCTAssertFalse(f.exists("params/gen"))
        XCTAssertFalse(f.exists("nothing/here/at.all"))
        XCTAssertFalse(f.exists("gen.W_h/below"))
        XCTAssertEqual(f.datasetNames(), ["a.b.c", "gen.W_h"])
        XCTAssertEqual(f.groupNames(), ["params"])
        XCTAssertEqual(f.datasetNames(in: "params"), ["gen.W_h"])
        XCTAssertEqual(f.groupNames(in: "/params"), ["enc"])
        XCTAssertEqual(f.datasetNames(in: "params/enc"), ["ic.b"])
        XCTAssertEqual(f.datasetNames(in: "missing"), [])
        XCTAssertEqual(try f.readFloat("gen.W_h").values, [1, 2])
        XCTAssertEqual(try f.readFloat("params/gen.W_h").values, [3, 4])
        XCTAssertEqual(try f.readDouble("params/enc/ic.b").values, [5])
    }

    func testReplaceNeedsPermission() throws {
        let h5 = try H5File.create(file("r.h5"), overwrite: false)
        try h5.write("p/x", shape: [2], floats: [1, 2])
        let error = storeError { try h5.write("p/x", shape: [3], doubles: [1, 2, 3]) }
        XCTAssertEqual(error, .datasetExists(file: file("r.h5"), dataset: "p/x"))
        XCTAssertEqual(try h5.readFloat("p/x").values, [1, 2], "a refused write must leave the old data")

        try h5.write("p/x", shape: [3], doubles: [1, 2, 3], replace: true)
        XCTAssertEqual(try h5.info("p/x"), DatasetInfo(shape: [3], kind: .float(bits: 64)))
        XCTAssertEqual(try h5.readDouble("p/x").values, [1, 2, 3])
        XCTAssertEqual(h5.datasetNames(in: "p"), ["x"])
    }

    func testNoHandlesLeakAcrossOperations() throws {
        let h5 = try H5File.create(file("l.h5"), overwrite: false)
        try h5.write("a/b", shape: [2], floats: [1, 2], compress: true)
        try h5.write("a/b", shape: [2], floats: [3, 4], replace: true)
        _ = try h5.readDouble("a/b")
        _ = try h5.info("a/b")
        _ = try? h5.readFloat("missing")
        _ = try? h5.write("a/b", shape: [2], floats: [3, 4])
        _ = try? h5.write("a/c", shape: [2], doubles: [1, 300], storedAs: .int8)
        try h5.setAttribute("s", string: "v", on: "a/b")
        try h5.setAttribute("s", int64: 3, on: "a/b")
        _ = try h5.int64Attribute("s", on: "a/b")
        _ = try? h5.stringAttribute("s", on: "a/b")
        _ = try h5.attributeNames(on: "a")
        _ = h5.datasetNames(in: "a")
        _ = h5.exists("a/b")
        assertNoOpenObjects(h5)
    }

    func testCloseIsIdempotentAndLaterUseNamesTheFile() throws {
        let path = file("x.h5")
        let h5 = try H5File.create(path, overwrite: false)
        try h5.close()
        try h5.close()
        XCTAssertEqual(storeError { _ = try h5.readFloat("x") }, .fileClosed(file: path))
        XCTAssertFalse(h5.exists("x"))
    }
}
