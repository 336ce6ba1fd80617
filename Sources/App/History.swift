import Foundation
import Store
import Training

/// DIR/history.csv: one row per epoch in `EpochRecord.columns` order, then a stitched run's
/// per-session columns (`EpochRecord.sessionColumns`), NaN as an empty field.
enum History {
    static func write(_ h: [EpochRecord], to path: String) throws {
        // Rows of a checkpoint from before the per-session columns existed get empty fields there.
        let extra = h.map(\.sessionValues.count).max() ?? 0
        let sessions = extra / EpochRecord.sessionKinds.count
        var s = (EpochRecord.columns + EpochRecord.sessionColumns(sessions: sessions)).joined(separator: ",") + "\n"
        for r in h {
            let own = r.sessionValues.count == extra ? r.sessionValues : [Double](repeating: .nan, count: extra)
            s += (r.values + own).enumerated().map { i, v in
                i == 0 ? String(Int(v)) : (v.isNaN ? "" : String(format: "%.8g", v))
            }.joined(separator: ",") + "\n"
        }
        try AtomicFile.write(s, to: path)
    }
}
