import Foundation
import LFADS
import Vocabulary

/// When PBT exploits and explores (docs/search.md §4).
public enum PBTSchedule: String, Codable, Sendable {
    /// At a generation barrier: every member's interval g finished, then all decide together.
    case sync
    /// Per member, as soon as it finishes an interval, against the other members' latest scores.
    case async
}

/// How one hyperparameter is drawn (random search) or perturbed (PBT).
public struct ParameterRange: Equatable, Sendable {
    public enum Distribution: String, Sendable { case uniform, logUniform = "log_uniform", choice }
    public var distribution: Distribution
    public var min = 0.0, max = 0.0
    public var values: [HPValue] = []
    /// PBT: the initial value of every member (nil: drawn from the distribution).
    public var initial: Double? = nil
    /// PBT: the largest factor of one perturbation (1.3 for lr/dropout/CD, 1.8 for KL/L2 scales).
    public var explore: Double

    public init(_ d: Distribution, min: Double = 0, max: Double = 0, values: [HPValue] = [], explore: Double = 1.3) {
        distribution = d; self.min = min; self.max = max; self.values = values; self.explore = explore
    }
}

/// The `search:` section of a search config (docs/search.md §3–4).
public struct SearchSpec: Equatable, Sendable {
    public typealias Method = SearchMethod
    public typealias Selection = SelectBy

    public var method: Method = .random
    /// Dataset sizes: fractions (≤ 1) or trial counts (> 1) of the train split.
    public var sizes: [Double] = [1.0]
    public var selectBy: Selection = .validNLL
    public var seed = 0
    public var trialsPerSize = 8
    public var ranksPerModel = 1
    /// Subsample the validation split in proportion (true, recommended) or keep it whole.
    public var subsampleValid = true
    public var population = 20
    public var epochsPerGeneration = 25
    public var maxGenerations = 50
    /// PBT stops when the best fitness improved by at most this fraction over `patience_generations`.
    public var minImprovement = 0.0005
    public var patienceGenerations = 4
    /// PBT: `sync` closes a generation when its last member reports (the default); `async` decides
    /// for each member as soon as it finishes its interval (docs/search.md §4).
    public var pbtSchedule: PBTSchedule = .sync
    public var space: [String: ParameterRange] = SearchSpec.defaultSpace

    public init() {}

    /// AutoLFADS limits (docs/search.md §4).
    public static let defaultSpace: [String: ParameterRange] = {
        var s: [String: ParameterRange] = [:]
        s["lr"] = ParameterRange(.logUniform, min: 1e-5, max: 5e-3, explore: 1.3)
        s["lr"]!.initial = 4e-3
        s["dropout_rate"] = ParameterRange(.uniform, min: 0, max: 0.6, explore: 1.3)
        s["cd_rate"] = ParameterRange(.uniform, min: 0.01, max: 0.7, explore: 1.3)
        s["cd_rate"]!.initial = 0.5
        s["l2_gen_scale"] = ParameterRange(.logUniform, min: 1e-4, max: 1, explore: 1.8)
        s["l2_con_scale"] = ParameterRange(.logUniform, min: 1e-4, max: 1, explore: 1.8)
        s["kl_co_scale"] = ParameterRange(.logUniform, min: 1e-6, max: 1e-4, explore: 1.8)
        s["kl_ic_scale"] = ParameterRange(.logUniform, min: 1e-6, max: 1e-3, explore: 1.8)
        return s
    }()

    static let keys = ["method", "sizes", "select_by", "seed", "trials_per_size", "ranks_per_model", "subsample_valid",
                       "population", "epochs_per_generation", "max_generations", "min_improvement",
                       "patience_generations", "pbt_schedule", "space"]

    /// Parses the YAML mapping of `search:`; `origin` prefixes messages.
    static func parse(_ m: [String: Any], origin: String) throws -> SearchSpec {
        var s = SearchSpec()
        for (k, v) in m.sorted(by: { $0.key < $1.key }) {
            if k == "sizes" {
                guard let list = v as? [Any] else { throw ConfigError("\(origin): search.sizes must be a list, e.g. [1.0, 0.5, 0.25]") }
                s.sizes = try list.map {
                    if let i = $0 as? Int { return Double(i) }
                    if let d = $0 as? Double { return d }
                    throw ConfigError("\(origin): search.sizes holds \($0), not a number")
                }
            } else if k == "space" {
                guard let sp = v as? [String: Any] else { throw ConfigError("\(origin): search.space must be a mapping") }
                s.space = [:]
                for (name, spec) in sp {
                    guard Hyperparameters.keys.contains(name) else {
                        throw ConfigError("\(origin): search.space: unknown hyperparameter '\(name)'")
                    }
                    guard !Hyperparameters.dataShapeKeys.contains(name) else {
                        throw ConfigError("\(origin): search.space: '\(name)' comes from the data and cannot be searched")
                    }
                    guard let r = spec as? [String: Any] else { throw ConfigError("\(origin): search.space.\(name) must be a mapping") }
                    s.space[name] = try parseRange(r, "\(origin): search.space.\(name)")
                }
            } else {
                try s.set(k, try RunConfig.scalar(v, "\(origin): search.\(k)"))
            }
        }
        return s
    }

    static func parseRange(_ r: [String: Any], _ at: String) throws -> ParameterRange {
        guard let d = (r["dist"] as? String).flatMap(ParameterRange.Distribution.init(rawValue:)) else {
            throw ConfigError("\(at): 'dist' must be uniform, log_uniform or choice")
        }
        func num(_ k: String) throws -> Double? {
            guard let v = r[k] else { return nil }
            if let i = v as? Int { return Double(i) }
            if let x = v as? Double { return x }
            throw ConfigError("\(at): '\(k)' must be a number")
        }
        for k in r.keys where !["dist", "min", "max", "values", "init", "explore"].contains(k) {
            throw ConfigError("\(at): unknown key '\(k)' (dist, min, max, values, init, explore)")
        }
        var p = ParameterRange(d, explore: try num("explore") ?? 1.3)
        p.initial = try num("init")
        if d == .choice {
            guard let vals = r["values"] as? [Any], !vals.isEmpty else { throw ConfigError("\(at): choice needs a non-empty 'values' list") }
            p.values = try vals.map { try RunConfig.scalar($0, at) }
        } else {
            guard let lo = try num("min"), let hi = try num("max"), lo <= hi else {
                throw ConfigError("\(at): needs numbers 'min' ≤ 'max'")
            }
            if d == .logUniform && lo <= 0 { throw ConfigError("\(at): log_uniform needs min > 0") }
            p.min = lo; p.max = hi
        }
        if p.explore < 1 { throw ConfigError("\(at): 'explore' must be ≥ 1") }
        return p
    }

    mutating func set(_ key: String, _ v: HPValue) throws {
        func int() throws -> Int {
            switch v {
            case .int(let i): return i
            case .double(let d) where d == d.rounded(): return Int(d)
            default: throw ConfigError("search.\(key) must be an integer, got \(v)")
            }
        }
        func dbl() throws -> Double {
            switch v {
            case .int(let i): return Double(i)
            case .double(let d): return d
            default: throw ConfigError("search.\(key) must be a number, got \(v)")
            }
        }
        switch key {
        case "method":
            guard let m = Method(rawValue: v.description) else { throw ConfigError("search.method must be random or pbt, got '\(v)'") }
            method = m
        case "select_by":
            guard let sel = Selection(rawValue: v.description) else {
                throw ConfigError("search.select_by must be one of \(Selection.allCases.map(\.rawValue).joined(separator: ", ")), got '\(v)'")
            }
            selectBy = sel
        case "seed": seed = try int()
        case "trials_per_size": trialsPerSize = try int()
        case "ranks_per_model": ranksPerModel = try int()
        case "subsample_valid":
            guard ["true", "false"].contains(v.description) else { throw ConfigError("search.subsample_valid must be true or false") }
            subsampleValid = v.description == "true"
        case "population": population = try int()
        case "epochs_per_generation": epochsPerGeneration = try int()
        case "max_generations": maxGenerations = try int()
        case "min_improvement": minImprovement = try dbl()
        case "patience_generations": patienceGenerations = try int()
        case "pbt_schedule":
            guard let v = PBTSchedule(rawValue: v.description) else {
                throw ConfigError("search.pbt_schedule must be sync or async, got '\(v)'")
            }
            pbtSchedule = v
        default:
            throw ConfigError("unknown key 'search.\(key)' (expected \(Self.keys.joined(separator: ", ")))")
        }
    }

    func yamlLines() -> [String] {
        var l = ["search:", "  method: \(method.rawValue)",
                 "  sizes: [\(sizes.map { formatNumber($0) }.joined(separator: ", "))]",
                 "  select_by: \(selectBy.rawValue)", "  seed: \(seed)", "  trials_per_size: \(trialsPerSize)",
                 "  ranks_per_model: \(ranksPerModel)", "  subsample_valid: \(subsampleValid)",
                 "  population: \(population)", "  epochs_per_generation: \(epochsPerGeneration)",
                 "  max_generations: \(maxGenerations)", "  min_improvement: \(formatNumber(minImprovement))",
                 "  patience_generations: \(patienceGenerations)"]
        // Written only when not the default, so a sync search's config.yaml is what it always was.
        if pbtSchedule != .sync { l.append("  pbt_schedule: \(pbtSchedule.rawValue)") }
        l.append("  space:")
        for name in space.keys.sorted() {
            let r = space[name]!
            var parts = ["dist: \(r.distribution.rawValue)"]
            if r.distribution == .choice { parts.append("values: [\(r.values.map(\.description).joined(separator: ", "))]") }
            else { parts += ["min: \(formatNumber(r.min))", "max: \(formatNumber(r.max))"] }
            if let i = r.initial { parts.append("init: \(formatNumber(i))") }
            parts.append("explore: \(formatNumber(r.explore))")
            l.append("    \(name): {\(parts.joined(separator: ", "))}")
        }
        return l
    }

    /// Every out-of-range value, named.
    public func problems() -> [String] {
        var p: [String] = []
        if sizes.isEmpty { p.append("search.sizes is empty") }
        for s in sizes where !(s > 0) || (s > 1 && s != s.rounded()) {
            p.append("search.sizes: \(s) is neither a fraction in (0, 1] nor a whole trial count")
        }
        if trialsPerSize < 1 { p.append("search.trials_per_size must be ≥ 1") }
        if ranksPerModel < 1 { p.append("search.ranks_per_model must be ≥ 1") }
        if population < 2 { p.append("search.population must be ≥ 2") }
        if epochsPerGeneration < 1 { p.append("search.epochs_per_generation must be ≥ 1") }
        if maxGenerations < 1 { p.append("search.max_generations must be ≥ 1") }
        if patienceGenerations < 1 { p.append("search.patience_generations must be ≥ 1") }
        if pbtSchedule == .async && method != .pbt { p.append("search.pbt_schedule: async needs method: pbt") }
        return p
    }
}

/// A number as YAML reads it back exactly (integral values keep a decimal point).
func formatNumber(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)" }
