import Foundation
import LFADS
import Vocabulary

/// DIR/metrics.json of `train`, and the metrics of `eval`: how the run ended (train only), then every
/// metric by its `Metric` name. Written as one JSON object with sorted keys; a non-finite number is null.
package struct RunMetrics {
    struct Ending {
        var status: String, stopReason: String, stopDetail: String, selected: String
        var epochs: Int, bestEpoch: Int
    }

    var ending: Ending?
    package var values: [String: Double] = [:]

    subscript(_ m: Metric) -> Double? {
        get { values[m] }
        set { values[m] = newValue }
    }

    /// One `"key": value` line per entry, keys sorted (the layout scripts grep); non-finite is null.
    package var json: String {
        var entries: [String: String] = [:]
        if let e = ending {
            entries[RunField.status.rawValue] = jsonText(e.status)
            entries[RunField.stopReason.rawValue] = jsonText(e.stopReason)
            entries[RunField.stopDetail.rawValue] = jsonText(e.stopDetail)
            entries[RunField.selected.rawValue] = jsonText(e.selected)
            entries[Metric.epochs.rawValue] = jsonText(e.epochs)
            entries[Metric.bestEpoch.rawValue] = jsonText(e.bestEpoch)
        }
        for (k, v) in values { entries[k] = v.isFinite ? jsonText(v) : "null" }
        let lines = entries.sorted { $0.key < $1.key }.map { "  \(jsonText($0.key)): \($0.value)" }
        return "{\n" + lines.joined(separator: ",\n") + "\n}\n"
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
}

extension RunMetrics {
    /// No ending and no values (eval, and the selected models of a stitched search).
    package static var empty: RunMetrics { RunMetrics() }
}
