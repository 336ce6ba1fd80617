import Foundation

extension Hyperparameters {
    /// A JSON object with every key of §1, sorted: the `hps` attribute of parameter files.
    public func jsonString() -> String {
        var parts: [String] = []
        for (key, acc) in Self.accessors.sorted(by: { $0.0 < $1.0 }) {
            let value: String
            switch acc.get(self) {
            case .int(let i): value = String(i)
            case .double(let d): value = formatDouble(d)
            case .string(let s): value = "\"" + s.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"") + "\""
            }
            parts.append("\"\(key)\": \(value)")
        }
        return "{" + parts.joined(separator: ", ") + "}"
    }

    /// Reads an `hps` JSON object: missing keys keep their defaults, unknown keys are rejected by name.
    public init(json: String) throws {
        self.init()
        guard let data = json.data(using: .utf8),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw HyperparameterError("hps is not a JSON object: \(json.prefix(80))") }
        let unknown = obj.keys.filter { Self.accessorByName[$0] == nil }.sorted()
        if !unknown.isEmpty {
            throw HyperparameterError("unknown hyperparameter key(s) in hps: \(unknown.joined(separator: ", "))")
        }
        for (key, raw) in obj {
            if let s = raw as? String { try set(key, .string(s)) }
            else if let n = raw as? NSNumber { try set(key, .double(n.doubleValue)) }
            else { throw HyperparameterError("hps key '\(key)' has an unsupported value \(raw)") }
        }
    }
}

