import ArgumentParser
import Foundation
import Report

struct ReportCmd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "CSV tables, SVG plots and an HTML page from one or more search results.",
        discussion: """
            Reads DIR/results.h5 of each search (or a results.h5 path) and writes to --out: \
            trials.csv (a row per trial or PBT member-generation), history.csv (per-epoch curves), \
            best_by_size.csv (the model each selection rule picks per run and size, with its truth \
            metrics), an SVG per figure and index.html, one page showing them all. Give several \
            directories to compare runs (e.g. CD on vs off). A search still running or stopped \
            gives a report of the rows done so far that says what is missing.
            """)

    @Argument(help: "Search output directories (each with results.h5), or results.h5 files.") var dirs: [String]
    @Option(help: "Directory to write the report to (created if missing; its report files are replaced).") var out: String

    func run() throws {
        try reportingErrors { _ = try ReportBuilder.run(inputs: dirs, outDir: out) }
    }
}
