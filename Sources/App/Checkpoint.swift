import Foundation
import LFADS
import Store
import Training
import Vocabulary

/// DIR/checkpoint.h5: everything `--resume` needs (parameters, Adam moments, schedule, history,
/// LVE copy). Written atomically after every epoch, so a kill leaves the previous one intact.
package enum Checkpoint {
    package static func write(_ s: TrainerState, hp: Hyperparameters, to path: String) throws {
        try H5File.writeAtomically(to: path) { f in
            try f.write("params", shape: [s.params.count], floats: s.params)
            try f.write("adam_m", shape: [s.adam.m.count], floats: s.adam.m)
            try f.write("adam_v", shape: [s.adam.v.count], floats: s.adam.v)
            if let b = s.bestParams { try f.write("best_params", shape: [b.count], floats: b) }
            let cols = EpochRecord.columns.count
            try f.write("history", shape: [s.history.count, cols], doubles: s.history.flatMap(\.values))
            try f.write("plateau", shape: [s.plateau.count], doubles: s.plateau)
            // A stitched run's per-session history columns, so a resumed run's history.csv has them too.
            let extra = s.history.first?.sessionValues.count ?? 0
            if extra > 0, s.history.allSatisfy({ $0.sessionValues.count == extra }) {
                try f.write("history_sessions", shape: [s.history.count, extra], doubles: s.history.flatMap(\.sessionValues))
            }
            try f.setAttribute("history_columns", string: EpochRecord.columns.joined(separator: ","))
            try f.setAttribute("hps", string: hp.jsonString())
            try f.setAttribute("epoch", int64: Int64(s.epoch))
            try f.setAttribute("lr", double: s.lr)
            try f.setAttribute("adam_step", int64: Int64(s.adam.step))
            try f.setAttribute(Metric.bestEpoch.rawValue, int64: Int64(s.bestEpoch))
            try f.setAttribute("best_value", double: s.bestValue)
            try f.setAttribute("elapsed_seconds", double: s.elapsedSeconds)
            try f.setAttribute("stop_reason", string: s.stopReason?.rawValue ?? "")
            try f.setAttribute("stop_detail", string: s.stopDetail)
        }
    }

    /// The hyperparameters the checkpointed model was trained with (a PBT member's explored ones).
    package static func hyperparameters(_ path: String) throws -> Hyperparameters {
        try explainingDamage(path) {
            let f = try H5File.open(path)
            defer { try? f.close() }
            return try hyperparameters(in: f, path: path)
        }
    }

    /// A checkpoint that fails its checksums or is cut short (docs/data.md §7) cannot be trained
    /// on; the error says how to get going again.
    static func explainingDamage<R>(_ path: String, _ body: () throws -> R) throws -> R {
        do { return try body() } catch let e as StoreError {
            switch e {
            case .corrupt, .notHDF5, .readFailed:
                throw RunError("\(e). To recover: copy back a previous copy of \((path as NSString).lastPathComponent) "
                               + "if you keep one; otherwise rerun the training that wrote it (train: a fresh run "
                               + "without --resume; search: rerun the affected trials, e.g. a new search with the same config)")
            default: throw e
            }
        }
    }

    private static func hyperparameters(in f: H5File, path: String) throws -> Hyperparameters {
        guard let json = try f.stringAttribute("hps") else { throw RunError("\(path): checkpoint has no 'hps' attribute") }
        return try Hyperparameters(json: json)
    }

    package static func read(_ path: String, hp: Hyperparameters) throws -> TrainerState {
        try explainingDamage(path) { try readState(path, hp: hp) }
    }

    private static func readState(_ path: String, hp: Hyperparameters) throws -> TrainerState {
        let f = try H5File.open(path)
        defer { try? f.close() }
        let params = try f.readFloat("params").values
        if let saved = try? hyperparameters(in: f, path: path) {
            for key in Hyperparameters.dataShapeKeys.sorted() where saved[key] != hp[key] {
                throw RunError("\(path): the checkpoint was trained with \(key) = \(saved[key]!), the resumed run has \(hp[key]!); a run's data layout cannot change when it resumes")
            }
        }
        guard params.count == ParameterLayout(hp).count else {
            throw RunError("\(path): checkpoint has \(params.count) parameters but the config's model has \(ParameterLayout(hp).count)")
        }
        var s = TrainerState(hp: hp, params: params)
        s.adam.m = try f.readFloat("adam_m").values
        s.adam.v = try f.readFloat("adam_v").values
        s.adam.step = Int(try f.int64Attribute("adam_step") ?? 0)
        if f.exists("best_params") { s.bestParams = try f.readFloat("best_params").values }
        let (shape, h) = try f.readDouble("history")
        let cols = EpochRecord.columns.count
        if shape.count == 2 && shape[1] == cols {
            s.history = (0..<shape[0]).map { EpochRecord(values: Array(h[($0 * cols)..<(($0 + 1) * cols)])) }
        }
        if f.exists("history_sessions") {
            let (shape, v) = try f.readDouble("history_sessions")
            if shape.count == 2, shape[0] == s.history.count, shape[1] > 0 {
                for i in 0..<shape[0] { s.history[i].sessionValues = Array(v[(i * shape[1])..<((i + 1) * shape[1])]) }
            }
        }
        s.plateau = try f.readDouble("plateau").values
        s.epoch = Int(try f.int64Attribute("epoch") ?? 0)
        s.lr = try f.doubleAttribute("lr") ?? hp.lr
        s.bestEpoch = Int(try f.int64Attribute(Metric.bestEpoch.rawValue) ?? -1)
        s.bestValue = try f.doubleAttribute("best_value") ?? .infinity
        s.elapsedSeconds = try f.doubleAttribute("elapsed_seconds") ?? 0
        let reason = try f.stringAttribute("stop_reason") ?? ""
        s.stopReason = StopReason(rawValue: reason)
        s.stopDetail = try f.stringAttribute("stop_detail") ?? ""
        return s
    }
}
