import Foundation

extension Hyperparameters {
    /// A JSON object with every key of docs/model.md §1, sorted: the `hps` attribute of parameter files.
    /// A Poisson model omits the observation-model keys (readers default them to Poisson).
    public func jsonString() -> String {
        let poisson = recon == ObservationModel.poisson.rawValue
        // `sbtt`, `ext_input_dim` and the temporal-shift keys are written only when on, so a base
        // model's file is unchanged (§15, §16, §17).
        let written = Self.accessors.filter {
            !(poisson && Self.observationKeys.contains($0.0)) && !(sbtt == 0 && $0.0 == "sbtt")
                && !(extInputDim == 0 && $0.0 == "ext_input_dim")
                && !(!usesTemporalShift && Self.temporalShiftKeys.contains($0.0))
                && !(readinDim == 0 && Self.sessionKeys.contains($0.0))
        }
        let parts = written.sorted { $0.0 < $1.0 }.map { key, acc -> String in
            let value: String
            switch acc.get(self) {
            case .int(let i): value = jsonText(i)
            // A non-finite value (refused later by validation) is written as a string, never a crash.
            case .double(let d): value = d.isFinite ? jsonText(d) : jsonText("\(d)")
            case .string(let s): value = jsonText(s)
            }
            return jsonText(key) + ": " + value
        }
        return "{" + parts.joined(separator: ", ") + "}"
    }

    /// Reads an `hps` JSON object: missing keys keep their defaults, unknown keys are rejected by name.
    /// JSONDecoder (not JSONSerialization, which rounds 17-digit decimals on Linux) keeps values exact.
    public init(json: String) throws {
        self.init()
        let obj: [String: JSONScalar]
        do { obj = try JSONDecoder().decode([String: JSONScalar].self, from: Data(json.utf8)) } catch {
            throw HyperparameterError("hps is not a JSON object of numbers and strings: \(json.prefix(80))")
        }
        let unknown = obj.keys.filter { Self.accessorByName[$0] == nil }.sorted()
        if !unknown.isEmpty {
            throw HyperparameterError("unknown hyperparameter key(s) in hps: \(unknown.joined(separator: ", "))")
        }
        for (key, value) in obj { try set(key, value.hpValue) }
    }
}

/// One JSON value of an `hps` object.
enum JSONScalar: Decodable {
    case int(Int), double(Double), string(String)

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else { self = .string(try c.decode(String.self)) }
    }

    var hpValue: HPValue {
        switch self {
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        }
    }
}
