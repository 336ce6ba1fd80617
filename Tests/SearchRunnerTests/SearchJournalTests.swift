import Foundation
import Testing
@testable import App
@testable import SearchRunner
import Store
import TestSupport

/// The coordinator's journal (docs/search.md §5): results are appended to state/search_journal.jsonl
/// and folded into search_state.json and results.h5 only at compactions. A kill -9 leaves the files
/// as they are after some record(); resuming from exactly those files must end with the table of
/// the uninterrupted search, without training a recorded row again.
@Suite(.serialized)
struct SearchJournalTests {
    static let random = TinyConfig.yaml(maxEpochs: 2, posteriorSamples: 2) + TinyConfig.randomSearch(seed: 5)
    static let pbt = TinyConfig.yaml(maxEpochs: 2, posteriorSamples: 2) + """
        search:
          method: pbt
          sizes: [1.0, 0.5]
          population: 3
          epochs_per_generation: 1
          max_generations: 2
          seed: 4
          space:
            lr: {dist: log_uniform, min: 0.005, max: 0.03, init: 0.02}
            dropout_rate: {dist: uniform, min: 0.0, max: 0.2}
        """

    static func options(_ dir: String, config: String, resume: Bool) throws -> RunOptions {
        let cfg = dir + ".yaml"
        try config.write(toFile: cfg, atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir + "/run")
        o.configPath = resume ? nil : cfg
        o.resume = resume
        return o
    }

    /// Runs a whole search that never compacts by count; when progress line `[at/…]` is logged,
    /// copies DIR/run to `snapshot` (the files a kill -9 at that moment would leave).
    static func runWithSnapshot(_ dir: String, config: String, at: Int, snapshot: String, compactEvery: Int = 1000) throws {
        let fm = FileManager.default
        var taken = false
        let code = try SearchRun.run(try options(dir, config: config, resume: false), compaction: CompactionPolicy(every: compactEvery)) { line in
            guard line.hasPrefix("[\(at)/") else { return }
            try? fm.createDirectory(atPath: snapshot, withIntermediateDirectories: true)
            try! fm.copyItem(atPath: dir + "/run", toPath: snapshot + "/run")
            taken = true
        }
        #expect(code == .ok)
        #expect(taken)
    }

    /// Resumes DIR/run; returns the log.
    static func resume(_ dir: String) throws -> [String] {
        var lines: [String] = []
        let code = try SearchRun.run(try options(dir, config: "", resume: true), compaction: CompactionPolicy(every: 1000)) {
            lines.append($0)
        }
        #expect(code == .ok)
        return lines
    }

    /// Every table, curve and selected-model dataset of two results files, bit for bit, but the
    /// wall-clock columns (rows trained again after the kill took their own time).
    static func expectSameResults(_ a: String, _ b: String) throws {
        let fa = try H5File.open(a + "/run/results.h5"), fb = try H5File.open(b + "/run/results.h5")
        #expect(try fa.int64Attribute("complete") == 1 && fb.int64Attribute("complete") == 1)
        let H = try fa.readDouble("trials/hps").shape[1], E = try fa.readDouble("history/valid_total").shape[1]
        let clock: Set<String> = ["history/seconds", "history/trials_per_second"]
        let asyncPBT = try fa.stringAttribute("pbt_schedule") == "async"
        #expect(try fb.stringAttribute("pbt_schedule") == fa.stringAttribute("pbt_schedule"))
        for c in ResultsFile.columns(hpCount: H, epochs: E, asyncPBT: asyncPBT) where !clock.contains(c.name) {
            if c.int64 {
                #expect(try fa.readInt64(c.name).values == fb.readInt64(c.name).values, "\(c.name)")
            } else {
                var va = try fa.readDouble(c.name).values, vb = try fb.readDouble(c.name).values
                if c.name == "trials/metrics", let s = ResultsFile.metricNames.firstIndex(of: "seconds") {
                    let M = ResultsFile.metricNames.count
                    for i in stride(from: s, to: va.count, by: M) { va[i] = 0; vb[i] = 0 }
                }
                #expect(va.map(\.bitPattern) == vb.map(\.bitPattern), "\(c.name)")
            }
        }
        for si in 0..<2 {
            #expect(try fa.int64Attribute("row", on: "best/size\(si)") == fb.int64Attribute("row", on: "best/size\(si)"))
            #expect(try fa.readFloat("best/size\(si)/valid_rates").values.map(\.bitPattern)
                    == fb.readFloat("best/size\(si)/valid_rates").values.map(\.bitPattern))
        }
    }

    static func journalLines(_ dir: String) throws -> [String] {
        try String(contentsOfFile: dir + "/run/state/search_journal.jsonl", encoding: .utf8)
            .split(separator: "\n").map(String.init)
    }

    /// PBT: 12 rows in all; at the kill 9 exist (size 0's second generation was added at its 3rd result).
    @Test(arguments: [("random", random, 3, 4, 4), ("pbt", pbt, 4, 9, 12)])
    func aKillLeavesAJournalThatResumeReplaysExactly(name: String, config: String, at: Int, rowsThen: Int, rows: Int) throws {
        let full = TinyConfig.tempDir("journal", name), cut = TinyConfig.tempDir("journal", name + "-cut")
        try Self.runWithSnapshot(full, config: config, at: at, snapshot: cut)
        // The kill came before any compaction: the checkpoint has no finished row, the journal all of them.
        let state = try String(contentsOfFile: cut + "/run/search_state.json", encoding: .utf8)
        #expect(!state.contains("\"completed\""), "nothing compacted yet, so the journal is what is tested")
        #expect(try Self.journalLines(cut).count == at)
        let log = try Self.resume(cut)
        #expect(log.contains { $0.contains("\(at) of \(rowsThen) rows done (\(at) from the journal)") }, "\(log)")
        // Recorded rows are not trained again.
        #expect(log.filter { $0.hasPrefix("[") }.count == rows - at, "\(log)")
        try Self.expectSameResults(full, cut)
        #expect(try Self.journalLines(cut).isEmpty, "the finished search folded its journal into the checkpoint")
    }

    /// One random search killed (copied) at its second result, shared by the tests that damage the copy.
    nonisolated(unsafe) static var twoRecorded: (full: String, cut: String)?
    static func killedAtTwo(_ name: String) throws -> (full: String, cut: String) {
        if twoRecorded == nil {
            let full = TinyConfig.tempDir("journal", "two-full"), cut = TinyConfig.tempDir("journal", "two-cut")
            try runWithSnapshot(full, config: random, at: 2, snapshot: cut)
            twoRecorded = (full, cut)
        }
        let copy = TinyConfig.tempDir("journal", name)
        try FileManager.default.copyItem(atPath: twoRecorded!.cut + "/run", toPath: copy + "/run")
        return (twoRecorded!.full, copy)
    }

    @Test func aTornLastLineIsDroppedAndLinesAlreadyCompactedAreSkipped() throws {
        let (full, cut) = try Self.killedAtTwo("torn")
        let lines = try Self.journalLines(cut)
        #expect(lines.count == 2)
        // The same results again (as after a kill between a compaction's checkpoint and its truncation),
        // then a write cut short by the kill.
        let journal = cut + "/run/state/search_journal.jsonl"
        let text = (lines + lines).joined(separator: "\n") + "\n" + lines[0].prefix(25)
        try text.write(toFile: journal, atomically: false, encoding: .utf8)
        let log = try Self.resume(cut)
        #expect(log.contains { $0.contains("2 of 4 rows done (2 from the journal); an incomplete last journal line was dropped") }, "\(log)")
        #expect(log.filter { $0.hasPrefix("[") }.count == 2, "\(log)")
        try Self.expectSameResults(full, cut)
    }

    @Test func aDamagedJournalLineIsAnErrorNamingTheFileAndLine() throws {
        let (_, cut) = try Self.killedAtTwo("damaged")
        let journal = cut + "/run/state/search_journal.jsonl"
        let lines = try Self.journalLines(cut)
        try ([lines[0], "{\"row\": 1, \"status\": \"compl", lines[1]].joined(separator: "\n") + "\n")
            .write(toFile: journal, atomically: false, encoding: .utf8)
        #expect { _ = try Self.resume(cut) } throws: {
            "\($0)".contains(journal + " line 2") && "\($0)".contains("damaged")
        }
    }

    /// Changes the first digit after `"content":` into another digit: still valid JSON, other numbers.
    static func changeADigit(_ text: String) -> String {
        var chars = Array(text)
        let start = text.range(of: "\"content\":")!.upperBound.utf16Offset(in: text)
        let i = (start..<chars.count).first { chars[$0].isNumber }!
        chars[i] = chars[i] == "7" ? "3" : "7"
        return String(chars)
    }

    @Test func aJournalLineWhoseNumbersChangedFailsItsChecksum() throws {
        let (_, cut) = try Self.killedAtTwo("digit")
        let journal = cut + "/run/state/search_journal.jsonl"
        let lines = try Self.journalLines(cut)
        try ([lines[0], Self.changeADigit(lines[1])].joined(separator: "\n") + "\n")
            .write(toFile: journal, atomically: false, encoding: .utf8)
        #expect { _ = try Self.resume(cut) } throws: {
            "\($0)".contains(journal + " line 2") && "\($0)".contains("SHA-256")
        }
    }

    @Test func aDamagedSearchStateIsRefusedWithHowToRecover() throws {
        let (_, cut) = try Self.killedAtTwo("state")
        let state = cut + "/run/search_state.json"
        try Self.changeADigit(try String(contentsOfFile: state, encoding: .utf8))
            .write(toFile: state, atomically: false, encoding: .utf8)
        #expect { _ = try Self.resume(cut) } throws: {
            "\($0)".contains(state) && "\($0)".contains("SHA-256") && "\($0)".contains("--force")
        }
    }
}
