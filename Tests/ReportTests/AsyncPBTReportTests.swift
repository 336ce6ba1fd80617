import Foundation
@testable import Report
import Store
import Testing

/// `spikesae report` on an asynchronous PBT search (docs/search.md §4, §6): members end at their own
/// pace, so lineages follow `trials/start_row` rather than (generation − 1, parent).
@Suite struct AsyncPBTReportTests {
    @Test func lineagesFollowStartRowsAndConcatenateToEachRowsWholeHistory() throws {
        let dir = try SearchFixture.asyncPBT.get()
        let r = try ResultsReader.read(dir)
        #expect(r.isAsyncPBT)
        #expect(r.rows.allSatisfy { $0.startRow != nil })
        #expect(r.rows.contains { $0.parent >= 0 }, "the fixture should copy at least once: \(r.rows.map(\.parent))")
        // The fixture's order lets member 0 of size 0 run ahead, so a member copies a row of a later interval.
        #expect(r.rows.contains { row in row.startRow.map { $0 >= 0 && r.rows[$0].generation >= row.generation } ?? false },
                "\(r.rows.map { ($0.row, $0.generation, $0.startRow ?? -9) })")
        for (k, row) in r.rows.enumerated() where row.status == "completed" {
            let chain = r.lineage(k)
            // Two epochs per interval: the lineage holds every interval the row's weights went through.
            #expect(2 * chain.count == r.curve(k, "valid_recon").count, "row \(row.row): \(chain)")
            #expect(chain.last == k && r.rows[chain[0]].generation == 0)
            // A row started from another member's latest row: its lineage switches member there.
            if row.parent >= 0 { #expect(r.rows[chain[chain.count - 2]].trial == row.parent) }
            // Each link's stored history is a prefix of the next one's.
            for (a, b) in zip(chain, chain.dropFirst()) {
                let ca = r.curve(a, "valid_recon"), cb = r.curve(b, "valid_recon")
                #expect(ca.count < cb.count && zip(ca, cb).allSatisfy { $0.bitPattern == $1.bitPattern }, "rows \(a) → \(b)")
            }
        }
    }

    /// A member whose last interval diverged is still a candidate through its latest completed row.
    @Test func candidatesAreEachMembersLatestCompletedRow() throws {
        // (member, generation, status, fitness): member 0 was best, then diverged.
        let spec: [(Int, Int, String, Double)] = [(0, 0, "completed", 0.1), (1, 0, "completed", 0.5),
                                                  (0, 1, "diverged", .nan), (1, 1, "completed", 0.4)]
        let rows = spec.enumerated().map { k, s in
            TrialRow(row: k, sizeIndex: 0, size: 100, trial: s.0, generation: s.1, status: s.2, seed: k, parent: -1,
                     hps: [0.01], metrics: [s.3], fitness: s.3, startRow: s.1 == 0 ? -1 : s.0)
        }
        let r = SearchResults(path: "/x/results.h5", label: "x", method: "pbt", selectBy: "valid_nll", complete: true,
                              sizes: [100], hpNames: ["lr"], metricNames: ["valid_nll"], historyColumns: [], rows: rows,
                              history: [:], best: [:], attributes: ["pbt_schedule": "async"])
        #expect(r.candidates(size: 0) == [0, 3])
        #expect(r.select(SelectionRule.usable[0], size: 0)?.index == 0)
        #expect(r.lineage(3) == [1, 3])
    }

    @Test func theReportSelectsAmongEachMembersLatestRowAsTheSearchDid() throws {
        let dir = try SearchFixture.asyncPBT.get()
        let r = try ResultsReader.read(dir)
        for si in r.sizes.indices {
            let c = r.candidates(size: si)
            #expect(Set(c.map { r.rows[$0].trial }).count == c.count, "one row per member")
            let stored = try #require(r.best[si])
            let rule = try #require(SelectionRule.usable.first { $0.selectBy?.rawValue == r.selectBy })
            let sel = try #require(r.select(rule, size: si))
            #expect(r.rows[sel.index].row == stored.row)
        }
        let out = SearchFixture.tempDir("async")
        let s = try ReportBuilder.run(inputs: [dir], outDir: out, log: { _ in })
        #expect(s.notices.isEmpty, "\(s.notices)")
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(html.contains("lineage of the selected model"))
    }
}
