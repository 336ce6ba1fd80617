import Foundation
import LFADS
import ModelIO
import Search
import Store
import Training

/// DIR/results.h5 (search.md §6): one row per trial or member-generation, per-epoch curves, the
/// subsets, and the selected model's rates per size. Rewritten atomically at every checkpoint, so
/// a killed search leaves the previous complete file.
enum ResultsFile {
    static let metricNames = ["valid_nll", "samp_valid_nll", "samp_valid_nll_valid_trials", "train_loss", "valid_rate_nll",
                              "valid_bits_per_spike", "valid_cobps", "valid_r2_per_neuron", "valid_r2_pooled",
                              "epochs", "best_epoch", "seconds"]

    struct Best {
        var sizeIndex: Int, row: Int, fitness: Double
        var validRates: [Float], validFactors: [Float], trainRates: [Float]
        var trainInds: [Int], validInds: [Int]
    }

    static func write(to path: String, plan: SearchPlan, worker: SearchWorker, attributes: [String: String],
                      best: [Best], complete: Bool, maxEpochs: Int) throws {
        let rows = plan.rows, K = rows.count
        let hpNames = plan.spec.searched, H = hpNames.count, M = metricNames.count
        let cols = EpochRecord.columns
        let E = max(maxEpochs, rows.map(\.history.count).max() ?? 0)
        try H5File.writeAtomically(to: path) { f in
            try f.write("trials/row", shape: [K], int64s: rows.map { Int64($0.row) })
            try f.write("trials/size_index", shape: [K], int64s: rows.map { Int64($0.sizeIndex) })
            try f.write("trials/size", shape: [K], int64s: rows.map { Int64(plan.spec.sizes[$0.sizeIndex]) })
            try f.write("trials/trial", shape: [K], int64s: rows.map { Int64($0.trial) })
            try f.write("trials/generation", shape: [K], int64s: rows.map { Int64($0.generation) })
            try f.write("trials/status", shape: [K], int64s: rows.map { Int64($0.status.code) })
            try f.write("trials/seed", shape: [K], int64s: rows.map { Int64($0.seed) })
            try f.write("trials/parent", shape: [K], int64s: rows.map { Int64($0.parent) })
            try f.write("trials/hps", shape: [K, H], doubles: rows.flatMap { r in hpNames.map { r.hps[$0] ?? .nan } })
            try f.write("trials/metrics", shape: [K, M], doubles: rows.flatMap { r in metricNames.map { r.metrics[$0] ?? .nan } })
            try f.write("trials/fitness", shape: [K], doubles: rows.map { plan.fitness($0) })
            for (c, name) in cols.enumerated() where name != "epoch" {
                var v = [Double](repeating: .nan, count: K * E)
                for (k, r) in rows.enumerated() { for (e, h) in r.history.enumerated() where e < E { v[k * E + e] = h[c] } }
                try f.write("history/\(name)", shape: [K, E], doubles: v, compress: true)
            }
            for si in plan.spec.sizes.indices {
                let (tr, va) = worker.positions(size: si)
                try f.write("subsets/size\(si)/train_inds", shape: [tr.count], int64s: tr.map { Int64(worker.dataset.trainInds[$0]) })
                try f.write("subsets/size\(si)/valid_inds", shape: [va.count], int64s: va.map { Int64(worker.dataset.validInds[$0]) })
            }
            let d = worker.dataset
            for b in best {
                let g = "best/size\(b.sizeIndex)"
                try f.write("\(g)/valid_rates", shape: [d.validCount, d.T, d.N], floats: b.validRates, compress: true)
                try f.write("\(g)/valid_factors", shape: [d.validCount, d.T, b.validFactors.count / max(d.validCount * d.T, 1)],
                            floats: b.validFactors, compress: true)
                try f.write("\(g)/valid_inds", shape: [b.validInds.count], int64s: b.validInds.map(Int64.init))
                try f.write("\(g)/train_rates", shape: [b.trainInds.count, d.T, d.N], floats: b.trainRates, compress: true)
                try f.write("\(g)/train_inds", shape: [b.trainInds.count], int64s: b.trainInds.map(Int64.init))
                try f.setAttribute("row", int64: Int64(b.row), on: g)
                try f.setAttribute("fitness", double: b.fitness, on: g)
                try f.setAttribute("select_by", string: plan.spec.selectBy, on: g)
            }
            try f.setAttribute("format", string: "spikesae-search-results")
            try f.setAttribute("format_version", int64: 1)
            try f.setAttribute("complete", int64: complete ? 1 : 0)
            try f.setAttribute("method", string: plan.spec.method)
            try f.setAttribute("select_by", string: plan.spec.selectBy)
            try f.setAttribute("sizes_json", string: "[" + plan.spec.sizes.map(String.init).joined(separator: ", ") + "]")
            try f.setAttribute("hp_names_json", string: jsonList(hpNames))
            try f.setAttribute("metric_names_json", string: jsonList(metricNames))
            try f.setAttribute("history_columns_json", string: jsonList(cols.filter { $0 != "epoch" }))
            try f.setAttribute("status_names_json", string: jsonList(TrialStatus.allCases.map(\.rawValue)))
            for (k, v) in attributes { try f.setAttribute(k, string: v) }
        }
    }

    static func jsonList(_ s: [String]) -> String { "[" + s.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
}
