import Foundation
import XCTest
@testable import Store

final class AtomicWriteTests: StoreTestCase {
    struct BodyFailed: Error {}

    func testSuccessReplacesTheFileAndLeavesNoTemporary() throws {
        let path = file("model.h5")
        try H5File.writeAtomically(to: path) { try $0.write("v", shape: [], int64s: [1]) }
        try H5File.writeAtomically(to: path) { try $0.write("v", shape: [], int64s: [2]) }
        XCTAssertEqual(try H5File.open(path).readInt64("v").values, [2])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["model.h5"])
    }

    func testThrowingBodyLeavesOldFileUntouched() throws {
        let path = file("model.h5")
        try H5File.writeAtomically(to: path) { h5 in
            try h5.write("rates", shape: [2], floats: [1, 2])
            try h5.setAttribute("status", string: "complete")
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        XCTAssertThrowsError(try H5File.writeAtomically(to: path) { h5 in
            try h5.write("rates", shape: [2], floats: [9, 9])
            throw BodyFailed()
        }) { XCTAssertTrue($0 is BodyFailed, "the body's own error must come out, got \($0)") }

        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["model.h5"])
        XCTAssertEqual(try H5File.open(path).readFloat("rates").values, [1, 2])
    }

    func testThrowingBodyCreatesNothingWhenNoFileExisted() throws {
        let path = file("new.h5")
        XCTAssertThrowsError(try H5File.writeAtomically(to: path) { _ in throw BodyFailed() })
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [])
    }

    func testBodyClosingTheFileItselfIsFine() throws {
        let path = file("closed.h5")
        try H5File.writeAtomically(to: path) { h5 in
            try h5.write("x", shape: [1], doubles: [3])
            try h5.close()
        }
        XCTAssertEqual(try H5File.open(path).readDouble("x").values, [3])
    }
}
