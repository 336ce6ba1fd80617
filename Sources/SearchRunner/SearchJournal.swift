import Foundation
import Search

/// DIR/state/search_journal.jsonl (docs/search.md §5): the results recorded since the last
/// compaction, one JSON line per `WorkResult` in the order the coordinator recorded them. A result
/// counts as recorded once its line is written and fsynced, so the cost of recording one result
/// does not grow with the number of rows; search_state.json and results.h5 are rewritten only at a
/// compaction (`CompactionPolicy`). Resume replays the lines into the plan in order, which repeats
/// every decision (PBT exploit/explore included) exactly.
final class SearchJournal {
    let path: String
    private let fd: Int32
    /// Lines written since the last truncation.
    private(set) var entries = 0

    /// Opens the journal for appending; a fresh search (`truncate`) starts it empty.
    init(path: String, truncate: Bool) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | (truncate ? O_TRUNC : 0), 0o644)
        guard fd >= 0 else { throw JournalError("cannot open \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Appends one result as a line and fsyncs it.
    func append(_ result: WorkResult) throws {
        var line = SealedJSON.seal(try SearchJSON.encode(result))
        line.append(UInt8(ascii: "\n"))
        try line.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw JournalError("cannot append to \(path): \(String(cString: strerror(errno)))") }
                offset += n
            }
        }
        guard fsync(fd) == 0 else { throw JournalError("fsync of \(path) failed: \(String(cString: strerror(errno)))") }
        entries += 1
    }

    /// Empties the journal once its results are in search_state.json.
    func truncate() throws {
        guard ftruncate(fd, 0) == 0, fsync(fd) == 0 else {
            throw JournalError("cannot truncate \(path): \(String(cString: strerror(errno)))")
        }
        entries = 0
    }

    /// The journal's results in order. A last line without its newline is a write cut short by a
    /// kill: that result was never recorded (its row reruns), so it is dropped and `torn` is set.
    /// Any other unreadable line is damage this code cannot explain, and an error.
    static func read(_ path: String) throws -> (results: [WorkResult], torn: Bool) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([], false) }
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let torn = !(lines.last?.isEmpty ?? true)
        lines.removeLast()   // the empty remainder after the final newline, or the torn line
        var out: [WorkResult] = []
        for (i, line) in lines.enumerated() {
            do {
                let json = try SealedJSON.open(Data(line), what: "\(path) line \(i + 1)")
                out.append(try SearchJSON.decode(WorkResult.self, from: json))
            } catch {
                throw JournalError("\(path) line \(i + 1): not a recorded result (\(error)); the search state is damaged")
            }
        }
        return (out, torn)
    }
}

struct JournalError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// When the coordinator folds the journal into search_state.json and results.h5. By default when
/// the journal holds 1/8 of the rows, so each row is rewritten at most about 8 times over a search
/// (linear in the rows, not quadratic), or after 60 s and 20 times the last compaction's time, so a
/// running search's results.h5 stays fresh for `spikesae report` at ≤ 5 % of the coordinator's time.
struct CompactionPolicy {
    /// A fixed number of results per compaction instead (SPIKESAE_SEARCH_COMPACT_EVERY; 1 rewrites
    /// everything after every result, as the coordinator did before the journal; tests and measurements).
    var every: Int?

    static let variable = "SPIKESAE_SEARCH_COMPACT_EVERY"

    static func fromEnvironment() throws -> CompactionPolicy {
        guard let s = ProcessInfo.processInfo.environment[variable] else { return CompactionPolicy(every: nil) }
        guard let n = Int(s), n >= 1 else { throw JournalError("\(variable)=\(s): expected a whole number ≥ 1") }
        return CompactionPolicy(every: n)
    }

    func due(entries: Int, rows: Int, secondsSinceLast: Double, lastCost: Double) -> Bool {
        guard entries > 0 else { return false }
        if let every { return entries >= every }
        return entries * 8 >= rows || secondsSinceLast >= max(60, 20 * lastCost)
    }
}

/// SPIKESAE_SEARCH_COMPLETION_ORDER=FILE (tests and measurements): the rows, whitespace-separated,
/// in the order the coordinator must record their results. Asynchronous PBT's decisions depend on
/// that order (docs/search.md §4), so a search given the order another run recorded (its
/// `trials/completed_as`) makes the same decisions, with any number of ranks: results that
/// arrive early are held back until their turn.
enum CompletionOrder {
    static let variable = "SPIKESAE_SEARCH_COMPLETION_ORDER"

    static func fromEnvironment() throws -> [Int] {
        guard let path = ProcessInfo.processInfo.environment[variable] else { return [] }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw JournalError("\(variable)=\(path): cannot read the file")
        }
        var rows: [Int] = [], seen = Set<Int>()
        for word in text.split(whereSeparator: \.isWhitespace) {
            guard let r = Int(word), r >= 0, seen.insert(r).inserted else {
                throw JournalError("\(variable)=\(path): '\(word)' is not a row number, or repeats one")
            }
            rows.append(r)
        }
        return rows
    }
}
