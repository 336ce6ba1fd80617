import Foundation
import Testing
import Store

/// The NLB-layout fixture (a small synthetic session written by pynwb) and what nlb_tools made of
/// it, copied into this target's Fixtures so the tests need nothing outside the repository.
enum NLBFixture {
    static func url(_ name: String, _ ext: String) throws -> String {
        try #require(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures")).path
    }
    static var nwb: String { get throws { try url("nlb_maze_synth", "nwb") } }
    static var reference: String { get throws { try url("nlb_maze_synth_reference", "h5") } }

    /// A reference array as Double (nlb_tools stored the spike tensors as float16).
    static func referenceArray(_ dataset: String) throws -> (shape: [Int], values: [Double]) {
        let f = try H5File.open(try reference)
        defer { try? f.close() }
        return try f.readDoubleAcceptingHalf(dataset)
    }
}

/// A fresh directory removed when the test ends.
final class ScratchDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "nlb-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
    var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path))?.sorted() ?? [] }

    /// A writable copy of the fixture NWB, changed by `edit`.
    func editedNWB(_ edit: (H5File) throws -> Void) throws -> String {
        let copy = file("edited.nwb")
        try FileManager.default.copyItem(atPath: try NLBFixture.nwb, toPath: copy)
        let f = try H5File.open(copy, writable: true)
        try edit(f)
        try f.close()
        return copy
    }
}
