import Foundation
import XCTest
@testable import Store

final class ConcurrencyTests: StoreTestCase {
    /// This HDF5 build is not thread-safe; Store must serialize calls made from many threads.
    func testFilesUsedFromManyThreadsAtOnce() throws {
        let failures = NSLock()
        nonisolated(unsafe) var problems: [String] = []
        let directory = directory
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            do {
                let values = (0..<20_000).map { Float(($0 * (i + 1)) % 97) }
                let path = "\(directory)/t\(i).h5"
                for round in 0..<10 {
                    let h5 = try H5File.create(path, overwrite: true)
                    try h5.write("g\(round)/x", shape: [200, 100], floats: values, compress: true)
                    try h5.setAttribute("round", int64: Int64(round), on: "g\(round)")
                    try h5.close()
                    let back = try H5File.open(path)
                    guard try back.readFloat("g\(round)/x").values == values,
                          try back.int64Attribute("round", on: "g\(round)") == Int64(round) else {
                        throw StoreError.fileClosed(file: "mismatch in \(path) round \(round)")
                    }
                }
            } catch {
                failures.lock()
                problems.append("\(i): \(error)")
                failures.unlock()
            }
        }
        XCTAssertEqual(problems, [])
    }
}
