import Foundation
import Testing
@testable import App
import ModelIO
import Store
import TestSupport
import Training

/// A stitched run's history.csv (per-session validation columns) and its resume (docs/model.md §18).
@Suite(.serialized)
struct StitchedHistoryTests {
    static func train(_ dir: String, _ run: String, maxEpochs: Int = 5, resume: Bool = false, stopAfter: Int? = nil) throws -> TrainExit {
        try StitchedConfig.yaml(sessions: "\(dir)/s*.h5", maxEpochs: maxEpochs).write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: "\(dir)/\(run)")
        o.configPath = resume ? nil : dir + "/c.yaml"
        o.resume = resume; o.stopAfter = stopAfter
        return try TrainRun.run(o, log: { _ in })
    }

    /// history.csv as (header, rows of fields).
    static func history(_ runDir: String) throws -> (names: [String], rows: [[String]]) {
        let lines = try String(contentsOfFile: runDir + "/history.csv", encoding: .utf8).split(separator: "\n")
        let split = { (l: Substring) in l.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return (split(lines[0]), lines.dropFirst().map(split))
    }

    /// Stopped after 2 epochs and resumed, a stitched run ends with the uninterrupted run's parameters
    /// bit for bit and the same history (every column but the timings, per-session columns included).
    @Test func aResumedStitchedRunEndsExactlyLikeAnUninterruptedOne() throws {
        let dir = TinyConfig.tempDir("app", "stitched-resume")
        try StitchedRunTests.sessions(dir)
        #expect(try Self.train(dir, "whole") == .ok)
        #expect(try Self.train(dir, "parts", stopAfter: 2) == .interrupted)
        #expect(try Self.history(dir + "/parts").rows.count == 2)
        #expect(try Self.train(dir, "parts", resume: true) == .ok)
        let (_, p1): (_, [Float]) = try ParameterFile.read(dir + "/whole/params.h5")
        let (_, p2): (_, [Float]) = try ParameterFile.read(dir + "/parts/params.h5")
        #expect(p1.map(\.bitPattern) == p2.map(\.bitPattern))
        let h1 = try Self.history(dir + "/whole"), h2 = try Self.history(dir + "/parts")
        #expect(h1.names == h2.names && h1.rows.count == 5 && h2.rows.count == 5)
        let timing: Set<String> = ["trials_per_second", "seconds"]
        let keep = h1.names.indices.filter { !timing.contains(h1.names[$0]) }
        #expect(h1.rows.map { r in keep.map { r[$0] } } == h2.rows.map { r in keep.map { r[$0] } })
        let r1 = try H5File.open(dir + "/whole/rates_s1.h5").readFloat("valid_rates").values
        #expect(try H5File.open(dir + "/parts/rates_s1.h5").readFloat("valid_rates").values.map(\.bitPattern) == r1.map(\.bitPattern))
    }

    /// Every epoch logs each session's valid NLLs; the plain columns hold their unweighted mean.
    @Test func historyHasEverySessionsValidationNLLsAndTheirMean() throws {
        let dir = TinyConfig.tempDir("app", "stitched-history")
        try StitchedRunTests.sessions(dir)
        #expect(try Self.train(dir, "run", maxEpochs: 3) == .ok)
        let (names, rows) = try Self.history(dir + "/run")
        #expect(rows.count == 3)
        for column in ["valid_total", "valid_recon", "samp_valid_nll_valid_trials"] {
            let per = try (0..<3).map { s in try #require(names.firstIndex(of: "\(column)_sess\(s)"), "\(names)") }
            let plain = try #require(names.firstIndex(of: column))
            for r in rows {
                let v = per.map { Double(r[$0])! }, mean = Double(r[plain])!
                // history.csv keeps 8 significant digits.
                #expect(abs(v.reduce(0, +) / 3 - mean) <= 1e-7 * abs(mean), "\(column): \(v) vs \(mean)")
                #expect(Set(v).count == 3, "\(column): sessions should differ: \(v)")
            }
        }
        #expect(names.count == EpochRecord.columns.count + 9)
    }
}
