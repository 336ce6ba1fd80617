import Foundation
import Report
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
        for (k, row) in r.rows.enumerated() where row.status == "completed" {
            let chain = r.lineage(k)
            #expect(chain.count == row.generation + 1, "row \(row.row): \(chain)")
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
