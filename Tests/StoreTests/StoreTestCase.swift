import Foundation
import XCTest
@testable import Store

/// Gives each test its own empty directory, removed afterwards.
class StoreTestCase: XCTestCase {
    private(set) var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "StoreTests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func file(_ name: String) -> String { directory + "/" + name }

    /// The error `body` throws as a StoreError, failing the test if it throws none or another kind.
    func storeError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> StoreError? {
        do {
            try body()
            XCTFail("expected a StoreError, got none", file: file, line: line)
        } catch let error as StoreError {
            return error
        } catch {
            XCTFail("expected a StoreError, got \(error)", file: file, line: line)
        }
        return nil
    }

    /// Asserts the file has no dataset, group or attribute handle left open.
    func assertNoOpenObjects(_ h5: H5File, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(h5.openObjectCount, 1, "only the file itself should be open", file: file, line: line)
    }
}

func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }
func bits(_ values: [Double]) -> [UInt64] { values.map(\.bitPattern) }
