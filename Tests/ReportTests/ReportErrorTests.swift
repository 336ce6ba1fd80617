import Foundation
import Testing
@testable import Report
import Store

/// Inputs that are not SpikeSAE search results get one line naming the file and the problem, and
/// no report is written.
struct ReportErrorTests {
    static func expectOneLineError(_ input: String, containing parts: [String]) throws {
        let out = SearchFixture.tempDir("err-\(UUID().uuidString)")
        do {
            _ = try ReportBuilder.run(inputs: [input], outDir: out, log: { _ in })
            Issue.record("\(input) was accepted")
        } catch let e as ReportError {
            #expect(!e.description.contains("\n"), "not one line: \(e.description)")
            for p in parts { #expect(e.description.contains(p), "'\(e.description)' lacks '\(p)'") }
        }
        #expect(!FileManager.default.fileExists(atPath: out), "a report directory was created for a bad input")
    }

    @Test func aTextFileIsNotHDF5() throws {
        let p = SearchFixture.base + "/notes.h5"
        try "not hdf5\nat all\n".write(toFile: p, atomically: true, encoding: .utf8)
        try Self.expectOneLineError(p, containing: [p, "is not a SpikeSAE search results file", "not an HDF5 file"])
    }

    @Test func anHDF5FileWithoutTheFormatAttributeIsRefused() throws {
        let p = SearchFixture.base + "/other.h5"
        let f = try H5File.create(p, overwrite: true)
        try f.write("x", shape: [2], doubles: [1, 2])
        try f.close()
        try Self.expectOneLineError(p, containing: [p, "format = \"spikesae-search-results\"", "no format attribute"])

        let q = SearchFixture.base + "/rates.h5"
        let g = try H5File.create(q, overwrite: true)
        try g.setAttribute("format", string: "spikesae-output")
        try g.close()
        try Self.expectOneLineError(q, containing: [q, "format is \"spikesae-output\""])
    }

    @Test func aNewerFormatVersionIsRefusedRatherThanMisread() throws {
        let p = SearchFixture.base + "/future.h5"
        let f = try H5File.create(p, overwrite: true)
        try f.setAttribute("format", string: "spikesae-search-results")
        try f.setAttribute("format_version", int64: 99)
        try f.close()
        try Self.expectOneLineError(p, containing: ["format_version 99"])
    }

    @Test func directoriesWithoutResultsAndMissingPathsAreNamed() throws {
        let d = SearchFixture.base + "/empty-dir"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        try Self.expectOneLineError(d, containing: [d, "has no results.h5", "not a SpikeSAE search directory"])
        try Self.expectOneLineError(d + "/nope", containing: ["nope", "no such file or directory"])
    }

    @Test func aTruncatedResultsFileIsAOneLineErrorToo() throws {
        let src = try SearchFixture.random.get() + "/results.h5"
        let data = try Data(contentsOf: URL(fileURLWithPath: src))
        let p = SearchFixture.base + "/truncated.h5"
        try data.prefix(data.count / 3).write(to: URL(fileURLWithPath: p))
        let out = SearchFixture.tempDir("trunc")
        #expect { _ = try ReportBuilder.run(inputs: [p], outDir: out, log: { _ in }) } throws: {
            ($0 as? ReportError).map { !$0.description.contains("\n") && $0.description.contains(p) } ?? false
        }
    }
}
