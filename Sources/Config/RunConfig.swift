import Foundation
import LFADS
import Yams

/// A config error names the file and the key path.
public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Where the data of a run comes from.
public enum DataSource: Equatable, Sendable {
    case file(String)
    /// A built-in synthetic system and its generator options (keys of `spikesae synth`).
    case synth(system: String, options: [String: HPValue])
    /// Multi-session stitching (docs/model.md §18): session files, as paths or glob patterns; the
    /// sessions are the matching files in sorted order.
    case sessions([String])
}

/// A run's configuration: data, every hyperparameter, output options (configs/*.yaml).
public struct RunConfig: Equatable, Sendable {
    public var data: DataSource? = nil
    public var hps = Hyperparameters()
    /// "sample" (mean over posterior samples) or "mean" (posterior mean).
    public var rateEstimator = "sample"
    /// Kernel sd of the smoothed-spike PSTHs that PSTH R² compares with on real data (NLB: 70 ms for
    /// MC_Maze, 50 ms for its scaling datasets).
    public var psthSmoothingMs = 70.0
    /// The `search:` section; nil for a single training run.
    public var search: SearchSpec? = nil
    /// Applied overrides, in order, for the record.
    public var overrides: [String] = []
    /// Hyperparameter keys the config or an override set, as opposed to defaults: a data file's
    /// heldout_neurons / forward_bins attributes fill in only what was not set.
    public var explicitHps: Set<String> = []

    public init() {}

    public static let synthKeys = ["system", "seed", "neurons", "conditions", "trials_per_condition", "bins",
                                   "bin_ms", "valid_fraction", "observation", "zig_loc", "zig_shape", "zig_amplitude",
                                   "missing_fraction", "ext_pulse", "time_jitter"]

    /// Parses YAML text; `origin` names the file in messages.
    public static func parse(_ text: String, origin: String) throws -> RunConfig {
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch {
            throw ConfigError("\(origin): not valid YAML: \(error)")
        }
        var c = RunConfig()
        guard let root = node as? [String: Any] else {
            if node == nil { return c }
            throw ConfigError("\(origin): the top level must be a mapping with 'data', 'hps' and 'output'")
        }
        for (key, value) in root.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "data":
                guard let d = value as? [String: Any] else { throw ConfigError("\(origin): 'data' must be a mapping") }
                for (k, v) in d.sorted(by: { $0.key < $1.key }) {
                    if k == "sessions" {
                        // A list of paths/patterns or one pattern.
                        if let list = v as? [Any] {
                            c.data = .sessions(try list.map { try scalar($0, "\(origin): data.sessions").description })
                        } else {
                            try c.set("data.sessions", try scalar(v, "\(origin): data.sessions"))
                        }
                    } else if k == "synth" {
                        guard let s = v as? [String: Any] else { throw ConfigError("\(origin): 'data.synth' must be a mapping") }
                        for (sk, sv) in s.sorted(by: { $0.key < $1.key }) {
                            try c.set("data.synth.\(sk)", try scalar(sv, "\(origin): data.synth.\(sk)"))
                        }
                        if case .synth = c.data {} else { c.data = .synth(system: "lorenz", options: [:]) }
                    } else {
                        try c.set("data.\(k)", try scalar(v, "\(origin): data.\(k)"))
                    }
                }
            case "hps":
                guard let h = value as? [String: Any] else { throw ConfigError("\(origin): 'hps' must be a mapping") }
                for (k, v) in h.sorted(by: { $0.key < $1.key }) {
                    do { try c.hps.set(k, try scalar(v, "\(origin): hps.\(k)")) } catch let e as HyperparameterError {
                        throw ConfigError("\(origin): hps: \(e)")
                    }
                    c.explicitHps.insert(k)
                }
            case "output":
                guard let o = value as? [String: Any] else { throw ConfigError("\(origin): 'output' must be a mapping") }
                for (k, v) in o { try c.set("output.\(k)", try scalar(v, "\(origin): output.\(k)")) }
            case "search":
                guard let m = value as? [String: Any] else { throw ConfigError("\(origin): 'search' must be a mapping") }
                c.search = try SearchSpec.parse(m, origin: origin)
            default:
                throw ConfigError("\(origin): unknown top-level key '\(key)' (expected data, hps, output, search)")
            }
        }
        return c
    }

    public static func load(path: String) throws -> RunConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError("cannot read config \(path): \(FileManager.default.fileExists(atPath: path) ? "unreadable" : "no such file")")
        }
        return try parse(text, origin: path)
    }

    /// Applies `key=value` (key: a hyperparameter, data.file, data.synth.<key> or output.<key>).
    public mutating func apply(override: String) throws {
        guard let eq = override.firstIndex(of: "=") else {
            throw ConfigError("--set '\(override)': expected key=value")
        }
        let key = String(override[..<eq]).trimmingCharacters(in: .whitespaces)
        let raw = String(override[override.index(after: eq)...])
        let value: HPValue
        if let v = try? Yams.load(yaml: raw), let s = try? Self.scalar(v as Any, "") { value = s } else { value = .string(raw) }
        do { try set(key, value) } catch let e as HyperparameterError { throw ConfigError("--set \(override): \(e)") }
        catch let e as ConfigError { throw ConfigError("--set \(override): \(e)") }
        overrides.append("\(key)=\(value)")
    }

    mutating func set(_ key: String, _ value: HPValue) throws {
        if key == "data.sessions" {
            // "[a.h5, b.h5]", "a.h5,b.h5" or one glob pattern.
            let items = value.description.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !items.isEmpty else { throw ConfigError("data.sessions must list session files or a glob pattern") }
            data = .sessions(items)
        } else if key == "data.file" {
            guard case .string(let s) = value else { throw ConfigError("data.file must be a path") }
            data = .file(s)
        } else if key.hasPrefix("data.synth.") {
            let k = String(key.dropFirst("data.synth.".count))
            guard Self.synthKeys.contains(k) else {
                throw ConfigError("unknown key '\(key)' (data.synth takes \(Self.synthKeys.joined(separator: ", ")))")
            }
            var (system, options) = ("lorenz", [String: HPValue]())
            if case .synth(let s, let o) = data { system = s; options = o }
            if k == "system" { system = value.description } else { options[k] = value }
            data = .synth(system: system, options: options)
        } else if key == "output.rate_estimator" {
            guard ["sample", "mean"].contains(value.description) else {
                throw ConfigError("output.rate_estimator must be 'sample' or 'mean', got '\(value)'")
            }
            rateEstimator = value.description
        } else if key == "output.psth_smoothing_ms" {
            guard let v = Double(value.description), v > 0, v.isFinite else {
                throw ConfigError("output.psth_smoothing_ms must be a positive number of ms, got '\(value)'")
            }
            psthSmoothingMs = v
        } else if key.hasPrefix("search.") {
            var spec = search ?? SearchSpec()
            let k = String(key.dropFirst("search.".count))
            if k == "sizes" {
                let list = value.description.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                    .split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard !list.isEmpty, list.allSatisfy({ $0 != nil }) else { throw ConfigError("search.sizes must be a list like [1.0,0.5]") }
                spec.sizes = list.map { $0! }
            } else { try spec.set(k, value) }
            search = spec
        } else if key.hasPrefix("data.") || key.hasPrefix("output.") {
            throw ConfigError("unknown key '\(key)'")
        } else {
            let k = key.hasPrefix("hps.") ? String(key.dropFirst(4)) : key
            try hps.set(k, value)
            explicitHps.insert(k)
        }
    }

    static func scalar(_ v: Any, _ whereabouts: String) throws -> HPValue {
        if let i = v as? Int { return .int(i) }
        if let d = v as? Double { return .double(d) }
        if let s = v as? String { return .string(s) }
        if let b = v as? Bool { return .string(b ? "true" : "false") }
        throw ConfigError("\(whereabouts): expected a single value, got \(type(of: v))")
    }

    /// The config as YAML, for the run directory's record.
    public func yaml() -> String {
        var lines = ["# resolved SpikeSAE config"]
        switch data {
        case .file(let p)?: lines += ["data:", "  file: \(p)"]
        case .synth(let s, let o)?:
            lines += ["data:", "  synth:", "    system: \(s)"] + o.keys.sorted().map { "    \($0): \(o[$0]!)" }
        case .sessions(let p)?: lines += ["data:", "  sessions:"] + p.map { "    - \($0)" }
        case nil: break
        }
        lines.append("hps:")
        // session_shapes, like data_dim, comes from the data; the other stitching keys (§18) only when on.
        for k in Hyperparameters.keys where k != "data_dim" && k != "seq_len" && k != "session_shapes"
            && (hps.isStitched || !Hyperparameters.sessionKeys.contains(k)) { lines.append("  \(k): \(hps[k]!)") }
        lines += ["output:", "  rate_estimator: \(rateEstimator)", "  psth_smoothing_ms: \(formatNumber(psthSmoothingMs))"]
        if let search { lines += search.yamlLines() }
        return lines.joined(separator: "\n") + "\n"
    }
}
