import Foundation
import Vocabulary

/// DIR/metrics.json of `train`, and the metrics of `eval`: how the run ended (train only), then every
/// metric by its `Metric` name. Written as one JSON object with sorted keys; a non-finite number is null.
struct RunMetrics: Encodable {
    struct Ending {
        var status: String, stopReason: String, stopDetail: String, selected: String
        var epochs: Int, bestEpoch: Int
    }

    var ending: Ending?
    var values: [String: Double] = [:]

    subscript(_ m: Metric) -> Double? {
        get { values[m] }
        set { values[m] = newValue }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        if let e = ending {
            try c.encode(e.status, forKey: Key(RunField.status.rawValue))
            try c.encode(e.stopReason, forKey: Key(RunField.stopReason.rawValue))
            try c.encode(e.stopDetail, forKey: Key(RunField.stopDetail.rawValue))
            try c.encode(e.selected, forKey: Key(RunField.selected.rawValue))
            try c.encode(e.epochs, forKey: Key(Metric.epochs.rawValue))
            try c.encode(e.bestEpoch, forKey: Key(Metric.bestEpoch.rawValue))
        }
        for (k, v) in values {
            if v.isFinite { try c.encode(v, forKey: Key(k)) } else { try c.encodeNil(forKey: Key(k)) }
        }
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Strings, integers and finite numbers or null: always encodable.
        return String(decoding: try! encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// The closing lines `train` prints.
    var summary: String {
        func f(_ m: Metric) -> String { self[m].map { String(format: "%.4f", $0) } ?? "n/a" }
        var s = ""
        if let e = ending {
            s = "done: \(e.status) (\(e.stopReason)), \(e.epochs) epochs, best epoch \(e.bestEpoch), "
        }
        s += "valid NLL \(f(.validNLL)), bits/spike \(f(.validBitsPerSpike))"
        if self[.validR2PerNeuron] != nil {
            s += "\n  R² per neuron / pooled: train \(f(.trainR2PerNeuron)) / \(f(.trainR2Pooled)), "
                + "valid \(f(.validR2PerNeuron)) / \(f(.validR2Pooled))"
        }
        return s
    }

    private struct Key: CodingKey {
        let stringValue: String
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}
