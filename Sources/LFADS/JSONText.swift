import Foundation

/// JSON text of one value through JSONEncoder (escaping, shortest round-trip numbers), for files
/// whose line layout is fixed (metrics.json, the `hps` attribute): scripts and templates read them
/// with grep, so the layout stays `"key": value` while every value goes through the encoder.
public func jsonText<E: Encodable>(_ value: E) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    // Callers pass strings, integers and finite doubles, which always encode.
    return String(decoding: try! encoder.encode(value), as: UTF8.self)
}
