import XCTest
@testable import Store

final class ConversionTests: StoreTestCase {
    func testNarrowIntegersConvertToEveryReader() throws {
        let h5 = try H5File.create(file("c.h5"), overwrite: false)
        try h5.write("i32", shape: [2, 2], doubles: [-2_000_000_000, -1, 0, 2_000_000_000], storedAs: .int32)
        try h5.write("u16", shape: [3], doubles: [0, 255, 65535], storedAs: .uint16, compress: true)
        try h5.write("i8", shape: [4], doubles: [-128, -1, 0, 127], storedAs: .int8)

        XCTAssertEqual(try h5.info("i32").kind, .integer(bits: 32, signed: true))
        XCTAssertEqual(try h5.info("u16").kind, .integer(bits: 16, signed: false))
        XCTAssertEqual(try h5.info("i8").kind, .integer(bits: 8, signed: true))
        XCTAssertEqual(try h5.info("i32").shape, [2, 2])

        XCTAssertEqual(try h5.readInt64("i32").values, [-2_000_000_000, -1, 0, 2_000_000_000])
        XCTAssertEqual(try h5.readDouble("i32").values, [-2_000_000_000, -1, 0, 2_000_000_000])
        XCTAssertEqual(try h5.readFloat("u16").values, [0, 255, 65535])
        XCTAssertEqual(try h5.readInt64("u16").values, [0, 255, 65535])
        XCTAssertEqual(try h5.readFloat("i8").values, [-128, -1, 0, 127])
        XCTAssertEqual(try h5.readInt64("i8").values, [-128, -1, 0, 127])
        try h5.write("bytesAsI32", shape: [2], doubles: [0, 255], storedAs: .int32)
        XCTAssertEqual(try h5.readUInt8("bytesAsI32").values, [0, 255])
        XCTAssertNotNil(storeError { _ = try h5.readUInt8("i8") }, "-128 is no UInt8")
        XCTAssertNotNil(storeError { _ = try h5.readUInt8("u16") }, "65535 is no UInt8")
    }

    func testEveryStoredTypeReadsBackAsDouble() throws {
        let h5 = try H5File.create(file("all.h5"), overwrite: false)
        let expectedKinds: [StoredType: ElementKind] = [
            .int8: .integer(bits: 8, signed: true), .int16: .integer(bits: 16, signed: true),
            .int32: .integer(bits: 32, signed: true), .int64: .integer(bits: 64, signed: true),
            .uint8: .integer(bits: 8, signed: false), .uint16: .integer(bits: 16, signed: false),
            .uint32: .integer(bits: 32, signed: false), .uint64: .integer(bits: 64, signed: false),
            .float16: .other("float16"), .float32: .float(bits: 32), .float64: .float(bits: 64),
        ]
        for type in StoredType.allCases {
            let name = "\(type)"
            try h5.write(name, shape: [3], doubles: [0, 1, 100], storedAs: type)
            XCTAssertEqual(try h5.info(name).kind, expectedKinds[type], name)
            if type != .float16 {
                XCTAssertEqual(try h5.readDouble(name).values, [0, 1, 100], name)
            }
        }
    }

    func testStrictReadsRefuseLossyValues() throws {
        let path = file("lossy.h5")
        let h5 = try H5File.create(path, overwrite: false)
        try h5.write("half", shape: [2], doubles: [1, 0.5])
        try h5.write("big", shape: [2], doubles: [1, 300], storedAs: .int16)
        try h5.write("negative", shape: [1], doubles: [-1], storedAs: .int32)
        try h5.write("huge", shape: [1], doubles: [1e19], storedAs: .uint64)
        try h5.write("nan", shape: [1], floats: [.nan])

        XCTAssertEqual(storeError { _ = try h5.readInt64("half") },
                       .unrepresentable(file: path, dataset: "half",
                                        problem: "holds a non-integer value (stored as float64); cannot read it as Int64"))
        XCTAssertEqual(storeError { _ = try h5.readUInt8("big") },
                       .unrepresentable(file: path, dataset: "big",
                                        problem: "holds a value above the range (stored as int16); cannot read it as UInt8"))
        XCTAssertNotNil(storeError { _ = try h5.readUInt8("negative") })
        XCTAssertNotNil(storeError { _ = try h5.readInt64("huge") })
        XCTAssertNotNil(storeError { _ = try h5.readInt64("nan") })
        // Float readers round instead of refusing.
        XCTAssertEqual(try h5.readDouble("half").values, [1, 0.5])
        XCTAssertEqual(try h5.readFloat("huge").values, [1e19])
        assertNoOpenObjects(h5)
    }

    func testWritingAValueTheStoredTypeCannotHoldFailsCleanly() throws {
        let path = file("w.h5")
        let h5 = try H5File.create(path, overwrite: false)
        try h5.write("x", shape: [2], doubles: [1, 2], storedAs: .int8)
        let error = storeError { try h5.write("x", shape: [2], doubles: [1, 200], storedAs: .int8, replace: true) }
        XCTAssertEqual(error, .writeFailed(file: path, dataset: "x", message: "a value above the range does not fit in int8"))
        XCTAssertEqual(try h5.readInt64("x").values, [1, 2], "the old dataset must survive a failed replace")
        XCTAssertNotNil(storeError { try h5.write("y", shape: [1], doubles: [2.5], storedAs: .int32) })
        XCTAssertFalse(h5.exists("y"), "a failed write must not leave a dataset behind")
    }

    func testFloat16StoresHalfPrecision() throws {
        let h5 = try H5File.create(file("h.h5"), overwrite: false)
        try h5.write("h", shape: [2], doubles: [1.5, 65504], storedAs: .float16)
        XCTAssertEqual(try h5.info("h"), DatasetInfo(shape: [2], kind: .other("float16")))
        XCTAssertNotNil(storeError { try h5.write("tooBig", shape: [1], doubles: [1e6], storedAs: .float16) })
    }
}
