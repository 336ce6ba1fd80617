import App
import Config
import Foundation
import LFADS
import ModelIO
import Search
import Store
import Vocabulary

/// `search` on a stitched model (docs/search.md §8): the sessions are loaded and checked like
/// `train` does, and every size is split over the sessions before any output is touched.
extension SearchRun {
    static func prepareSessions(_ o: RunOptions, writer: Bool, config start: RunConfig, spec: SearchSpec,
                                patterns: [String], log: (String) -> Void) throws -> Setup {
        let dir = o.outDir
        var config = start
        let (set, hp) = try StitchedRun.load(patterns, config: config)
        config.hps = hp
        // The data were validated for one observation model and layout; B_s = ⌊batch_size/S⌋ bounds the sizes.
        for key in ["recon", "gamma_loc", "sbtt", "ext_input_dim", "batch_size", "readin_dim"] where spec.space[key] != nil {
            throw RunError("search.space.\(key) cannot be searched with data.sessions: the sessions and their subsets are checked for the config's hps.\(key)")
        }
        if spec.selectBy == .validCobps || spec.selectBy == .validVelR2 {
            throw RunError("select_by \(spec.selectBy.rawValue) is not supported with data.sessions; use valid_nll or samp_valid_nll (the unweighted mean over sessions)")
        }
        if spec.selectBy == .sampValidNLL && hp.svRate == 0 && spec.space["sv_rate"] == nil {
            throw RunError("select_by samp_valid_nll needs sample validation: set hps.sv_rate > 0")
        }
        let sessionSizes = try sizes(spec.sizes, set: set, batchSize: hp.batchSize)
        if hp.readinInit == "pcr" {
            // Every size fits its PCR read-ins on its own subset (SearchWorker.pcrSubset); a subset that
            // cannot be fitted is refused now rather than when its first trial starts.
            let worker = SearchWorker(sessions: set, sessionSizes: sessionSizes, seed: spec.seed, subsampleValid: spec.subsampleValid)
            for (si, n) in sessionSizes.enumerated() {
                var warnings: [String] = []
                do { _ = try SessionInit.parameters(hp, sessions: worker.pcrSubset(size: si), warnings: &warnings) } catch {
                    throw RunError("search.sizes: size \(spec.sizes[si]) takes \(n.map(String.init).joined(separator: " / ")) train trials of the sessions, on which readin_init: pcr cannot be fitted: \(error); use a larger size or readin_init: random")
                }
            }
        }
        if writer {
            try RunDirectory(dir, .search).prepare(resume: o.resume)
            if !o.resume { try AtomicFile.write(config.yaml(), to: dir + "/config.yaml") }
            for d in set.sessions { for w in d.warnings { log("warning: \(w)") } }
            for (si, n) in sessionSizes.enumerated() {
                log("size \(spec.sizes[si]): \(n.reduce(0, +)) train trials, per session \(n.map(String.init).joined(separator: " / "))")
            }
        }
        var attrs = ["config": config.yaml(), "data_path": set.paths.joined(separator: ", "),
                     "data_content_sha256": set.sessions.map { $0.dataContentSHA256() }.joined(separator: ", "),
                     "software_version": "spikesae \(Outputs.version)", "command": CommandLine.arguments.joined(separator: " "),
                     "start_time_utc": ISO8601DateFormatter().string(from: Date()), "world_size": "1", "ranks_per_model": "1"]
        if writer, let shas = try? set.paths.map(fileSHA256) { attrs["data_sha256"] = shas.joined(separator: ", ") }
        var setup = Setup(config: config, spec: spec, dataset: set.sessions[0], sizes: sessionSizes.map { $0.reduce(0, +) },
                          attributes: attrs, dir: dir)
        setup.sessions = set
        setup.sessionSizes = sessionSizes
        setup.compaction = try CompactionPolicy.fromEnvironment()
        setup.completionOrder = try CompletionOrder.fromEnvironment()
        return setup
    }

    /// Per size, the train trials of each session (SessionSubsets.counts). A count above all the
    /// sessions' train trials, or a share below a session's per-step batch B_s, is an error naming
    /// the size and the session file.
    static func sizes(_ sizes: [Double], set: SessionSet, batchSize: Int) throws -> [[Int]] {
        let K = set.sessions.map(\.trainCount), total = K.reduce(0, +), S = K.count, Bs = batchSize / S
        return try sizes.map { size in
            if size > 1 && Int(size) > total {
                throw RunError("search.sizes: \(Int(size)) trials is more than the \(total) train trials of the \(S) sessions (\(K.map(String.init).joined(separator: " + ")) in \(set.paths.joined(separator: ", ")))")
            }
            let n = SessionSubsets.counts(size, of: K)
            for (s, d) in set.sessions.enumerated() where n[s] < Bs {
                throw RunError("search.sizes: size \(size) takes \(n[s]) of the \(d.trainCount) train trials of \(d.path) (session \(s)), fewer than its per-session batch B_s = \(Bs) (batch_size \(batchSize) / \(S) sessions); use a larger size or a smaller batch_size")
            }
            return n
        }
    }
}
