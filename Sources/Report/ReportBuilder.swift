import Foundation
import Store

/// What `spikesae report` wrote, for its closing lines and for tests.
public struct ReportSummary: Sendable {
    public var outDir: String
    public var files: [String]
    public var trialRows: Int, historyRows: Int, bestRows: Int
    public var notices: [String]
}

/// Reads one or more results files and writes the report directory: trials.csv, history.csv,
/// best_by_size.csv, one SVG per figure and index.html.
public enum ReportBuilder {
    public static func run(inputs: [String], outDir: String, log: (String) -> Void = { print($0) }) throws -> ReportSummary {
        guard !inputs.isEmpty else { throw ReportError("give at least one search directory (or results.h5)") }
        // Read everything before writing anything, so a bad input leaves no half-written report.
        var runs = try inputs.map(ResultsReader.read)
        RunLabels.assign(&runs)

        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: outDir, isDirectory: &isDir), !isDir.boolValue {
            throw ReportError("--out \(outDir) is a file; give a directory for the report")
        }
        do { try fm.createDirectory(atPath: outDir, withIntermediateDirectories: true) } catch {
            throw ReportError("cannot create \(outDir): \(error.localizedDescription)")
        }

        let trials = Tables.trials(runs), history = Tables.history(runs), best = Tables.bestBySize(runs)
        let figures = Figures.all(runs)
        let notices = runs.flatMap(\.missing)
        let perSession = SessionTables.bestBySession(runs)
        var files = ["index.html", "trials.csv", "history.csv", "best_by_size.csv"] + (perSession == nil ? [] : ["best_by_session.csv"])
        files += figures.map { $0.id + ".svg" }

        func put(_ name: String, _ text: String) throws {
            let p = (outDir as NSString).appendingPathComponent(name)
            do { try AtomicFile.write(text, to: p) } catch {
                throw ReportError("cannot write \(p): \(error.localizedDescription)")
            }
        }
        try put("trials.csv", trials.text)
        try put("history.csv", history.text)
        try put("best_by_size.csv", best.text)
        if let perSession { try put("best_by_session.csv", perSession.text) }
        for f in figures { try put(f.id + ".svg", f.svg()) }
        try put("index.html", HTMLPage.render(runs: runs, figures: figures, trials: trials, best: best,
                                              notices: notices, files: files, perSession: perSession))

        for r in runs {
            let counts = r.statusCounts.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
            log("\(r.label): \(r.method), select by \(r.selectBy), \(r.rows.count) rows (\(counts))\(r.complete ? "" : ", not finished")")
        }
        for n in notices { log("missing: \(n)") }
        log("wrote \((outDir as NSString).appendingPathComponent("index.html")) and \(files.count - 1) more files: "
            + "trials.csv (\(trials.recordCount) rows), history.csv (\(history.recordCount)), best_by_size.csv (\(best.recordCount)), "
            + (perSession.map { "best_by_session.csv (\($0.recordCount)), " } ?? "")
            + "\(figures.count) figures")
        return ReportSummary(outDir: outDir, files: files, trialRows: trials.recordCount, historyRows: history.recordCount,
                             bestRows: best.recordCount, notices: notices)
    }
}
