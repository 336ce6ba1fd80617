import Foundation
import Testing
@testable import App
@testable import Report
import Store
import TestSupport

/// A damaged results.h5 is refused by `report`, and a damaged PBT state file by the weight copy
/// that starts the next generation from it (docs/data.md §7).
struct CorruptResultsTests {
    static func damagedCopy(_ src: String, as name: String, dataset: String) throws -> String {
        let p = SearchFixture.base + "/" + name
        try? FileManager.default.removeItem(atPath: p)
        try FileManager.default.copyItem(atPath: src, toPath: p)
        let chunk = try #require(try H5File.open(p).chunkLocations(dataset).first)
        try FileDamage.flip(p, at: chunk.offset + chunk.size / 2)
        return p
    }

    @Test func reportRefusesAResultsFileWithADamagedColumn() throws {
        let src = try SearchFixture.random.get() + "/results.h5"
        let names = try H5File.open(src).datasetNames(in: "history")
        let dataset = "history/" + (try #require(names.first))
        let p = try Self.damagedCopy(src, as: "damaged-results.h5", dataset: dataset)
        try ReportErrorTests.expectOneLineError(p, containing: [p, "is corrupt: dataset '\(dataset)' fails its checksum"])

        let q = SearchFixture.base + "/zeroed-results.h5"
        try? FileManager.default.removeItem(atPath: q)
        try FileManager.default.copyItem(atPath: src, toPath: q)
        try FileDamage.zero(q, from: try FileDamage.size(q) / 2 - 2048, count: 4096)
        try ReportErrorTests.expectOneLineError(q, containing: [q])
    }

    @Test func aPBTWeightCopyRefusesADamagedStateFile() throws {
        let dir = try SearchFixture.pbt.get()
        let state = try #require(try FileManager.default.contentsOfDirectory(atPath: dir + "/state")
            .filter { $0.hasSuffix("_gen0.h5") }.sorted().first)
        let p = try Self.damagedCopy(dir + "/state/" + state, as: "damaged-" + state, dataset: "params")
        let hp = try Checkpoint.hyperparameters(p)
        #expect { _ = try Checkpoint.read(p, hp: hp) } throws: {
            "\($0)".contains("\(p) is corrupt: dataset 'params' fails its checksum") && "\($0)".contains("To recover")
        }
    }
}
