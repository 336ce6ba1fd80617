import CHDF5
import XCTest
@testable import Store

final class AttributeTests: StoreTestCase {
    func testStringIntAndDoubleRoundTripOnRootGroupAndDataset() throws {
        let path = file("a.h5")
        let h5 = try H5File.create(path, overwrite: false)
        try h5.write("params/gen.W_h", shape: [1], floats: [0])
        let yaml = "model:\n  gen_dim: 64   # ünïcode ✓\n" + String(repeating: "x", count: 60_000)  // within the checksummed limit (IntegrityTests)
        try h5.setAttribute("config", string: yaml)
        try h5.setAttribute("empty", string: "")
        try h5.setAttribute("seed", int64: .min)
        try h5.setAttribute("lr", double: 0.1 + 0.2)
        try h5.setAttribute("units", string: "spikes/bin", on: "params/gen.W_h")
        try h5.setAttribute("step", int64: 7, on: "params")
        try h5.close()

        let f = try H5File.open(path)
        XCTAssertEqual(try f.stringAttribute("config"), yaml)
        XCTAssertEqual(try f.stringAttribute("empty"), "")
        XCTAssertEqual(try f.int64Attribute("seed"), .min)
        XCTAssertEqual(try f.doubleAttribute("lr")?.bitPattern, (0.1 + 0.2).bitPattern)
        XCTAssertEqual(try f.stringAttribute("units", on: "params/gen.W_h"), "spikes/bin")
        XCTAssertEqual(try f.int64Attribute("step", on: "/params"), 7)
        XCTAssertEqual(try f.attributeNames(), ["config", "empty", "lr", "seed"])
        XCTAssertEqual(try f.attributeNames(on: "params/gen.W_h"), ["units"])
        XCTAssertEqual(try f.attributeNames(on: "params"), ["step"])
        assertNoOpenObjects(f)
    }

    func testAbsentAttributeIsNil() throws {
        let h5 = try H5File.create(file("n.h5"), overwrite: false)
        try h5.write("x", shape: [], doubles: [1])
        XCTAssertNil(try h5.stringAttribute("nope"))
        XCTAssertNil(try h5.int64Attribute("nope"))
        XCTAssertNil(try h5.doubleAttribute("nope", on: "x"))
        XCTAssertEqual(try h5.attributeNames(on: "x"), [])
    }

    func testAttributeOnMissingObjectThrows() throws {
        let path = file("m.h5")
        let h5 = try H5File.create(path, overwrite: false)
        XCTAssertEqual(storeError { _ = try h5.stringAttribute("a", on: "ghost") },
                       .objectNotFound(file: path, path: "ghost"))
        XCTAssertEqual(storeError { try h5.setAttribute("a", int64: 1, on: "ghost/x") }?.description,
                       "\(path): no group or dataset 'ghost/x'")
    }

    func testReplacingChangesValueAndType() throws {
        let h5 = try H5File.create(file("r.h5"), overwrite: false)
        try h5.setAttribute("v", string: "first")
        try h5.setAttribute("v", string: "second, longer than the first")
        XCTAssertEqual(try h5.stringAttribute("v"), "second, longer than the first")
        try h5.setAttribute("v", int64: 3)
        XCTAssertEqual(try h5.int64Attribute("v"), 3)
        try h5.setAttribute("v", double: 2.5)
        XCTAssertEqual(try h5.doubleAttribute("v"), 2.5)
        XCTAssertEqual(try h5.attributeNames(), ["v"])
    }

    func testNumericAttributesConvert() throws {
        let path = file("c.h5")
        let h5 = try H5File.create(path, overwrite: false)
        try h5.setAttribute("whole", double: 3)
        try h5.setAttribute("half", double: 2.5)
        try h5.setAttribute("count", int64: 1 << 40)
        XCTAssertEqual(try h5.int64Attribute("whole"), 3)
        XCTAssertEqual(try h5.doubleAttribute("count"), 1_099_511_627_776)
        XCTAssertEqual(storeError { _ = try h5.int64Attribute("half") }?.description,
                       "\(path): attribute 'half' on '/': holds 2.5, which is not an Int64")
    }

    func testWrongKindOrShapeThrows() throws {
        let path = file("w.h5")
        let h5 = try H5File.create(path, overwrite: false)
        try h5.setAttribute("name", string: "lorenz")
        try h5.setAttribute("n", int64: 5)
        try h5.close()
        try RawHDF5.setInt64ArrayAttribute(path, "pair", [1, 2])

        let f = try H5File.open(path)
        XCTAssertEqual(storeError { _ = try f.doubleAttribute("name") },
                       .attributeType(file: path, object: "/", attribute: "name", type: "string", expected: "a number"))
        XCTAssertEqual(storeError { _ = try f.stringAttribute("n") },
                       .attributeType(file: path, object: "/", attribute: "n", type: "int64", expected: "string"))
        XCTAssertEqual(storeError { _ = try f.int64Attribute("pair") },
                       .attributeType(file: path, object: "/", attribute: "pair", type: "2 values of int64",
                                      expected: "a single value"))
    }

    func testFixedLengthStringsAreRead() throws {
        let path = file("f.h5")
        try H5File.create(path, overwrite: false).close()
        try RawHDF5.setFixedStringAttribute(path, "full", "exact", width: 5, pad: H5T_STR_NULLPAD)
        try RawHDF5.setFixedStringAttribute(path, "padded", "ab", width: 8, pad: H5T_STR_NULLPAD)
        try RawHDF5.setFixedStringAttribute(path, "terminated", "abc", width: 8, pad: H5T_STR_NULLTERM)
        try RawHDF5.setFixedStringAttribute(path, "spaced", "fortran", width: 12, pad: H5T_STR_SPACEPAD)

        let f = try H5File.open(path)
        XCTAssertEqual(try f.stringAttribute("full"), "exact")
        XCTAssertEqual(try f.stringAttribute("padded"), "ab")
        XCTAssertEqual(try f.stringAttribute("terminated"), "abc")
        XCTAssertEqual(try f.stringAttribute("spaced"), "fortran")
    }

    func testWritingToAReadOnlyFileThrows() throws {
        let path = file("ro.h5")
        try H5File.create(path, overwrite: false).close()
        let f = try H5File.open(path)
        XCTAssertEqual(storeError { try f.setAttribute("a", int64: 1) }?.description,
                       "\(path): cannot write attribute 'a' on '/': the file is open read-only")
        XCTAssertEqual(storeError { try f.write("x", shape: [], floats: [1]) },
                       .readOnly(file: path, object: "dataset 'x'"))
    }
}
