import Config
import Foundation
import Store

/// The output directory of `train` or `search`: which files a run owns there, what `--resume` needs
/// to find, and the rule that an existing run is never overwritten without `--force`.
package struct RunDirectory {
    package enum Kind {
        case train, search
        /// Everything a run writes under a fixed name; `--force` removes exactly these, and a stitched
        /// run's per-session outputs (`sessionOutputs`).
        var outputs: [String] {
            switch self {
            case .train: return ["config.yaml", "data.h5", "checkpoint.h5", "history.csv", "params.h5", "rates.h5", "metrics.json",
                                   RunDirectory.pendingData]
            case .search: return ["config.yaml", "data.h5", "search_state.json", "results.h5", "state", "best"]
            }
        }
        /// What `--resume` reads besides config.yaml.
        var state: String { self == .train ? "checkpoint.h5" : "search_state.json" }
        var command: String { self == .train ? "train" : "search" }
    }

    let path: String, kind: Kind

    /// Synthetic data a fresh `train` generated, until every rank validated them (TrainRun).
    static let pendingData = "data.h5.pending"

    package init(_ path: String, _ kind: Kind) { self.path = path; self.kind = kind }

    func file(_ name: String) -> String { path + "/" + name }

    /// The run's config: the saved one for --resume, else the --config file with --data applied; then
    /// the --set overrides. A fresh run refuses a non-empty directory unless --force is given; ranks
    /// that read after the writer prepared the directory pass `checkEmpty: false`.
    package func resolveConfig(_ o: RunOptions, checkEmpty: Bool = true, log: (String) -> Void) throws -> RunConfig {
        let fm = FileManager.default
        var config: RunConfig
        if o.resume {
            guard fm.fileExists(atPath: file("config.yaml")), fm.fileExists(atPath: file(kind.state)) else {
                throw RunError("cannot resume \(path): no config.yaml and \(kind.state) there "
                               + "(was it started with `spikesae \(kind.command) --out \(path)`?)")
            }
            config = try RunConfig.load(path: file("config.yaml"))
        } else {
            guard let configPath = o.configPath else { throw RunError("give --config FILE (or --resume DIR)") }
            config = try RunConfig.load(path: configPath)
            if let d = o.dataPath { config.data = .file(d) }
            if checkEmpty, !o.force, let items = try? fm.contentsOfDirectory(atPath: path), !items.isEmpty {
                throw RunError("output directory \(path) already exists and is not empty; use --resume \(path) "
                               + "to continue that \(kind.command == "train" ? "run" : "search") or --force to overwrite it")
            }
        }
        for s in o.overrides {
            try config.apply(override: s)
            log("override: \(config.overrides.last!)")
        }
        return config
    }

    /// Creates the directory; a fresh run first removes the outputs of any run it replaces (--force),
    /// but for `keep`: what the fresh run already made there.
    package func prepare(resume: Bool, keep: Set<String> = []) throws {
        let fm = FileManager.default
        if !resume { for f in kind.outputs + sessionOutputs() where !keep.contains(f) { try? fm.removeItem(atPath: file(f)) } }
        try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The per-session rates files of a stitched `train` here (docs/model.md §18). Their names come
    /// from the session files, which a replacing run may not share, so they are recognised by what
    /// `train` writes into them: a `rates_*.h5` that is a SpikeSAE output with a session index and
    /// a selection rule (eval's outputs have no selection rule). Any other file stays.
    func sessionOutputs() -> [String] {
        guard kind == .train, let items = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
        return items.filter { name in
            guard name.hasPrefix("rates_"), name.hasSuffix(".h5"), let f = try? H5File.open(file(name)) else { return false }
            defer { try? f.close() }
            return (try? f.stringAttribute("format")) == "spikesae-output"
                && (try? f.stringAttribute("session_index")) != nil && (try? f.stringAttribute("selection_rule")) != nil
        }.sorted()
    }
}
