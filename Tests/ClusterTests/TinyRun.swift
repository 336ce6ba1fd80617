import Foundation
import ModelIO
import TestSupport

/// The tiny synthetic-Lorenz config of Tests/AppTests (about 0.2 s per epoch in a debug build).
enum TinyRun {
    static let config = TinyConfig.yaml()

    /// Writes the config into `dir` and returns its path.
    static func writeConfig(in dir: String) throws -> String {
        let path = dir + "/tiny.yaml"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// history.csv as columns by name.
    static func history(_ runDir: String) throws -> [String: [Double]] {
        let lines = try String(contentsOfFile: runDir + "/history.csv", encoding: .utf8).split(separator: "\n")
        let names = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var cols: [String: [Double]] = [:]
        for line in lines.dropFirst() {
            for (name, v) in zip(names, line.split(separator: ",", omittingEmptySubsequences: false)) {
                cols[name, default: []].append(Double(v) ?? .nan)
            }
        }
        return cols
    }

    static func params(_ runDir: String) throws -> [Float] {
        let (_, p): (_, [Float]) = try ParameterFile.read(runDir + "/params.h5")
        return p
    }
}
