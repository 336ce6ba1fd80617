import App
import Config
import Foundation
import LFADS
import ModelIO
import Search
import Store
import Training
import Vocabulary

/// DIR/results.h5 (docs/search.md §6): one row per trial or member-generation, per-epoch curves, the
/// subsets, and the selected model's rates per size. In-process searches rewrite it atomically at
/// every checkpoint; under MPI the final file is written in parallel (SearchMPI) from the same
/// column model.
public enum ResultsFile {
    static let metricNames = Metric.resultsColumns.map(\.rawValue)

    /// The metrics columns of a search over `sessions` stitched sessions (0: not stitched): the
    /// overall ones, then per session `<metric>_sess<s>` (docs/search.md §8).
    public static func metricNames(sessions S: Int) -> [String] {
        metricNames + (0..<S).flatMap { s in SearchWorker.sessionMetricColumns.map { $0.session(s) } }
    }
    /// history/<column> datasets: every history column but the epoch number (the row's position).
    static let historyColumns = HistoryColumn.allCases.filter { $0 != .epoch }

    public struct Best: Codable {
        public var sizeIndex: Int, row: Int, fitness: Double
        public var validRates: [Float], validFactors: [Float], trainRates: [Float]
        public var trainInds: [Int], validInds: [Int]
        /// A stitched search: the selected size's train trials per session (its rates are in files).
        public var sessionTrainCounts: [Int]? = nil
    }

    /// One dataset of the trials table: `width` values per row.
    public struct Column {
        public let name: String, width: Int, int64: Bool
        /// Written by the rank that trained the row (results), or by the coordinator (bookkeeping).
        public let fromTraining: Bool
        /// [K, width] rather than [K].
        public var isMatrix: Bool { fromTraining }
    }

    /// Asynchronous PBT's extra bookkeeping (docs/search.md §6): a row's lineage no longer follows
    /// from its generation, and its decisions from the order results were recorded. Sync files
    /// do not have them, so they are what they always were.
    static let asyncColumns = ["start_row", "completed_as"]

    /// The table's datasets in file order; E = epochs per history row.
    public static func columns(hpCount H: Int, epochs E: Int, asyncPBT: Bool = false, sessions S: Int = 0) -> [Column] {
        ["row", "size_index", "size", "trial", "generation", "status", "seed", "parent"].map {
            Column(name: "trials/\($0)", width: 1, int64: true, fromTraining: false)
        } + [Column(name: "trials/hps", width: H, int64: false, fromTraining: true),
             Column(name: "trials/metrics", width: metricNames(sessions: S).count, int64: false, fromTraining: true),
             Column(name: "trials/fitness", width: 1, int64: false, fromTraining: false)]
            + historyColumns.map { Column(name: "history/\($0.rawValue)", width: E, int64: false, fromTraining: true) }
            + (asyncPBT ? asyncColumns.map { Column(name: "trials/\($0)", width: 1, int64: true, fromTraining: false) } : [])
    }

    /// Row r's values for every column, in `columns` order (int64 columns as exact Doubles).
    public static func rowValues(_ r: TrialRecord, plan: SearchPlan, epochs E: Int, sessions S: Int = 0) -> [[Double]] {
        let book = bookkeeping(r, plan: plan)
        let trained = trainingValues(hps: r.hps, metrics: r.metrics, history: r.history, searched: plan.spec.searched,
                                     epochs: E, sessions: S)
        return Array(book.prefix(8)) + trained.prefix(2) + [book[8]] + trained.dropFirst(2) + book.dropFirst(9)
    }

    /// The coordinator's columns of a row: row … parent, then fitness (async PBT: then start_row, completed_as).
    public static func bookkeeping(_ r: TrialRecord, plan: SearchPlan) -> [[Double]] {
        [r.row, r.sizeIndex, plan.spec.sizes[r.sizeIndex], r.trial, r.generation, r.status.code, r.seed, r.parent]
            .map { [Double($0)] } + [[plan.fitness(r)]]
            + (plan.spec.isAsyncPBT ? [[Double(r.startRow ?? -1)], [Double(r.completedAs ?? -1)]] : [])
    }

    /// The trained model's columns of a row: hps, metrics, then each history column.
    public static func trainingValues(hps: [String: Double], metrics: [String: Double], history: [[Double]],
                                      searched: [String], epochs E: Int, sessions S: Int = 0) -> [[Double]] {
        var out = [searched.map { hps[$0] ?? .nan }, metricNames(sessions: S).map { metrics[$0] ?? .nan }]
        for column in historyColumns {
            let c = column.index
            var v = [Double](repeating: .nan, count: E)
            for (e, h) in history.enumerated() where e < E { v[e] = h[c] }
            out.append(v)
        }
        return out
    }

    /// Epochs per history row: the budget, or the longest history recorded.
    public static func epochs(plan: SearchPlan, maxEpochs: Int) -> Int {
        max(maxEpochs, plan.rows.map(\.history.count).max() ?? 0)
    }

    static func write(to path: String, plan: SearchPlan, worker: SearchWorker, attributes: [String: String],
                      best: [Best], complete: Bool, maxEpochs: Int) throws {
        let rows = plan.rows, K = rows.count
        let E = epochs(plan: plan, maxEpochs: maxEpochs)
        let S = worker.sessionCount
        let cols = columns(hpCount: plan.spec.searched.count, epochs: E, asyncPBT: plan.spec.isAsyncPBT, sessions: S)
        let values = rows.map { rowValues($0, plan: plan, epochs: E, sessions: S) }
        try H5File.writeAtomically(to: path) { f in
            for (c, col) in cols.enumerated() {
                let shape = col.isMatrix ? [K, col.width] : [K]
                let flat = values.flatMap { $0[c] }
                if col.int64 { try f.write(col.name, shape: shape, int64s: flat.map { Int64($0) }) }
                else { try f.write(col.name, shape: shape, doubles: flat, compress: col.name.hasPrefix("history/")) }
            }
            try writeStatic(f, spec: plan.spec, worker: worker, attributes: attributes, complete: complete)
            for b in best { try writeBest(f, b, plan: plan, dataset: worker.dataset, stitched: S > 0) }
            // The final file carries the same SHA-256 seals as one written in parallel under mpirun
            // (docs/data.md §7), so the two are the same file whichever way the search ran.
            if complete { try f.sealDatasets() }
        }
    }

    /// Subsets and attributes; identical on every rank, so a parallel file writes them collectively.
    public static func writeStatic(_ f: H5File, spec: SearchPlan.SearchSpecRecord, worker: SearchWorker,
                                   attributes: [String: String], complete: Bool) throws {
        if let set = worker.sessionSet {
            // A stitched search: each session's subset under subsets/size<i>/sess<s>/ (docs/search.md §8).
            try f.setAttribute("session_count", int64: Int64(set.sessions.count))
            try f.setAttribute("session_paths_json", string: jsonList(set.paths))
            for si in spec.sizes.indices {
                for (s, d) in set.sessions.enumerated() {
                    let (tr, va) = worker.sessionPositions(size: si, session: s)
                    try f.write("subsets/size\(si)/sess\(s)/train_inds", shape: [tr.count], int64s: tr.map { Int64(d.trainInds[$0]) })
                    try f.write("subsets/size\(si)/sess\(s)/valid_inds", shape: [va.count], int64s: va.map { Int64(d.validInds[$0]) })
                }
            }
        }
        for si in spec.sizes.indices where worker.sessionSet == nil {
            let (tr, va) = worker.positions(size: si)
            try f.write("subsets/size\(si)/train_inds", shape: [tr.count], int64s: tr.map { Int64(worker.dataset.trainInds[$0]) })
            try f.write("subsets/size\(si)/valid_inds", shape: [va.count], int64s: va.map { Int64(worker.dataset.validInds[$0]) })
        }
        try f.setAttribute("format", string: "spikesae-search-results")
        try f.setAttribute("format_version", int64: 1)
        try f.setAttribute("complete", int64: complete ? 1 : 0)
        try f.setAttribute("method", string: spec.method.rawValue)
        if spec.isAsyncPBT { try f.setAttribute("pbt_schedule", string: PBTSchedule.async.rawValue) }
        try f.setAttribute("select_by", string: spec.selectBy.rawValue)
        try f.setAttribute("sizes_json", string: "[" + spec.sizes.map(String.init).joined(separator: ", ") + "]")
        try f.setAttribute("hp_names_json", string: jsonList(spec.searched))
        try f.setAttribute("metric_names_json", string: jsonList(metricNames(sessions: worker.sessionCount)))
        try f.setAttribute("history_columns_json", string: jsonList(historyColumns.map(\.rawValue)))
        try f.setAttribute("status_names_json", string: jsonList(TrialStatus.allCases.map(\.rawValue)))
        for (k, v) in attributes.sorted(by: { $0.key < $1.key }) { try f.setAttribute(k, string: v) }
    }

    static func writeBest(_ f: H5File, _ b: Best, plan: SearchPlan, dataset d: SpikeDataset, stitched: Bool) throws {
        let g = "best/size\(b.sizeIndex)"
        if stitched {
            // A stitched model's rates are per session, in DIR/best/size<i>/rates_<session stem>.h5.
            let n = b.sessionTrainCounts ?? []
            try f.write("\(g)/session_train_counts", shape: [n.count], int64s: n.map(Int64.init))
            try f.setAttribute("row", int64: Int64(b.row), on: g)
            try f.setAttribute("fitness", double: b.fitness, on: g)
            try f.setAttribute("select_by", string: plan.spec.selectBy.rawValue, on: g)
            return
        }
        try f.write("\(g)/valid_rates", shape: [d.validCount, d.T, d.N], floats: b.validRates, compress: true)
        try f.write("\(g)/valid_factors", shape: [d.validCount, d.T, b.validFactors.count / max(d.validCount * d.T, 1)],
                    floats: b.validFactors, compress: true)
        try f.write("\(g)/valid_inds", shape: [b.validInds.count], int64s: b.validInds.map(Int64.init))
        try f.write("\(g)/train_rates", shape: [b.trainInds.count, d.T, d.N], floats: b.trainRates, compress: true)
        try f.write("\(g)/train_inds", shape: [b.trainInds.count], int64s: b.trainInds.map(Int64.init))
        try f.setAttribute("row", int64: Int64(b.row), on: g)
        try f.setAttribute("fitness", double: b.fitness, on: g)
        try f.setAttribute("select_by", string: plan.spec.selectBy.rawValue, on: g)
    }

    static func jsonList(_ s: [String]) -> String {
        String(decoding: try! JSONEncoder().encode(s), as: UTF8.self)   // an array of strings always encodes
    }
}
