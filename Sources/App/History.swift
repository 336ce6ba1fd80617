import Foundation
import Store
import Training

/// DIR/history.csv: one row per epoch in `EpochRecord.columns` order, NaN as an empty field.
enum History {
    static func write(_ h: [EpochRecord], to path: String) throws {
        var s = EpochRecord.columns.joined(separator: ",") + "\n"
        for r in h {
            s += r.values.enumerated().map { i, v in
                i == 0 ? String(Int(v)) : (v.isNaN ? "" : String(format: "%.8g", v))
            }.joined(separator: ",") + "\n"
        }
        try AtomicFile.write(s, to: path)
    }
}
