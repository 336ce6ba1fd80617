import XCTest
@testable import Store

final class KindTests: StoreTestCase {
    func testNonNumericDatasetsAreNamedAndRefused() throws {
        let path = file("k.h5")
        try H5File.create(path, overwrite: false).close()
        try RawHDF5.writeStrings(path, "names", ["a", "bc"])
        try RawHDF5.writeCompound(path, "records")
        try RawHDF5.writeBools(path, "mask", [true, false, true])

        let h5 = try H5File.open(path)
        XCTAssertEqual(try h5.info("names"), DatasetInfo(shape: [2], kind: .other("string")))
        XCTAssertEqual(try h5.info("records").kind, .other("compound"))
        XCTAssertEqual(try h5.info("mask").kind, .other("bool"))
        XCTAssertEqual(storeError { _ = try h5.readFloat("names") },
                       .unsupportedType(file: path, dataset: "names", type: "string",
                                        expected: "integer or float (8-64 bit) numbers"))
        XCTAssertEqual(storeError { _ = try h5.readDouble("records") }?.description,
                       "\(path): dataset 'records' has type compound; expected integer or float (8-64 bit) numbers")
        XCTAssertNotNil(storeError { _ = try h5.readUInt8("mask") })
    }

    func testFloat16IsReportedAndRefused() throws {
        let path = file("h.h5")
        let h5 = try H5File.create(path, overwrite: false)
        try h5.write("train_data", shape: [1, 2, 2], doubles: [0, 1, 2, 3], storedAs: .float16)
        XCTAssertEqual(try h5.info("train_data"), DatasetInfo(shape: [1, 2, 2], kind: .other("float16")))
        XCTAssertEqual(storeError { _ = try h5.readFloat("train_data") }?.description,
                       "\(path): dataset 'train_data' has type float16; expected integer or float (8-64 bit) numbers")
    }

    func testKindDescriptionsUseNumpyNames() {
        XCTAssertEqual(ElementKind.integer(bits: 32, signed: true).description, "int32")
        XCTAssertEqual(ElementKind.integer(bits: 16, signed: false).description, "uint16")
        XCTAssertEqual(ElementKind.float(bits: 64).description, "float64")
        XCTAssertEqual(ElementKind.other("compound").description, "compound")
    }

    func testGroupIsNotADataset() throws {
        let path = file("g.h5")
        let h5 = try H5File.create(path, overwrite: false)
        try h5.write("params/w", shape: [1], floats: [1])
        XCTAssertEqual(storeError { _ = try h5.info("params") }, .notADataset(file: path, path: "params", kind: "group"))
        XCTAssertEqual(storeError { try h5.write("params", shape: [1], floats: [1], replace: true) },
                       .notADataset(file: path, path: "params", kind: "group"))
        XCTAssertEqual(h5.datasetNames(in: "params"), ["w"], "replace must never delete a group")
    }
}
