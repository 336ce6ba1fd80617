import Foundation
import LFADS

/// The session files of a stitched run (docs/model.md §18), loaded and checked together: one file per
/// session, in sorted path order (a session's index is its rank there), each a classic data file with
/// its own held-out neurons and forward bins.
public struct SessionSet: Sendable {
    public let sessions: [SpikeDataset]
    public var paths: [String] { sessions.map(\.path) }
    /// Each file's name without directory and extension: the `<session stem>` of the outputs.
    public var stems: [String] { paths.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension } }

    public init(_ sessions: [SpikeDataset]) { self.sessions = sessions }

    /// Expands globs (a pattern with *, ? or [) and plain paths, then sorts: LT's `sorted(glob(pattern))`.
    /// A pattern matching nothing, or a path listed twice, is an error.
    public static func resolve(_ patterns: [String]) throws -> [String] {
        var out: [String] = []
        for p in patterns {
            if p.contains(where: { "*?[".contains($0) }) {
                let hits = glob(p)
                if hits.isEmpty { throw DatasetError("data.sessions: pattern '\(p)' matches no file") }
                out += hits
            } else {
                out.append(p)
            }
        }
        let sorted = out.sorted()
        if let dup = zip(sorted, sorted.dropFirst()).first(where: { $0 == $1 }) {
            throw DatasetError("data.sessions: \(dup.0) is listed twice")
        }
        if sorted.isEmpty { throw DatasetError("data.sessions: no session file given") }
        return sorted
    }

    static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Foundation.glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }
    }

    /// Loads every file (sorted) and checks them against each other: the same T, and each session's
    /// batch B_s = ⌊batch_size/S⌋ ≥ 1 with at least B_s train trials. Errors name the file.
    /// `missing` (SBTT): NaN or `*_obs_mask` mark missing elements in any file. `extDim` > 0: every file
    /// must hold `*_ext_input` with that many inputs per bin (docs/model.md §16).
    public static func load(_ patterns: [String], domain: DataDomain = .counts, missing: Bool = false,
                            extDim: Int = 0, batchSize: Int) throws -> SessionSet {
        let paths = try resolve(patterns)
        let sets = try paths.map { try SpikeDataset.load(path: $0, domain: domain, missing: missing, extDim: extDim) }
        let T = sets[0].T
        for d in sets.dropFirst() where d.T != T {
            throw DatasetError("\(d.path): T = \(d.T) bins, but \(sets[0].path) has T = \(T); all sessions need the same T")
        }
        let Bs = batchSize / sets.count
        if Bs < 1 {
            throw DatasetError("batch_size \(batchSize) gives B_s = 0 trials per session for \(sets.count) sessions (\(sets[0].path) …); raise batch_size to at least \(sets.count)")
        }
        for d in sets where d.trainCount < Bs {
            throw DatasetError("\(d.path): \(d.trainCount) train trials, fewer than the per-session batch B_s = \(Bs) (batch_size \(batchSize) / \(sets.count) sessions)")
        }
        return SessionSet(sets)
    }

    /// The session shapes for `session_shapes`, in order.
    public var shapes: [SessionShape] {
        sessions.map { SessionShape(neurons: $0.N, heldout: $0.heldoutNeurons, forwardBins: $0.forwardBins) }
    }
}
