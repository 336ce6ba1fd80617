import App
import SearchRunner
import Cluster
import Foundation
import LFADS
import Search
import Store

/// The final results.h5 of an MPI search, written through parallel HDF5 (MPI-IO) by every rank
/// (docs/search.md §6): all datasets are created collectively with their final sizes and NaN fill; then
/// each group leader writes the rows it trained, and the coordinator writes the bookkeeping columns,
/// rows trained by an earlier (resumed) job, and the selected models. While the search runs, the
/// coordinator keeps an atomically replaced serial results.h5 for progress and reports; the
/// parallel file replaces it when complete.
enum ParallelResults {
    /// What every rank needs to create the same datasets: sent with the final stop message.
    struct Layout: Codable {
        var rows: Int, epochs: Int
        var spec: SearchPlan.SearchSpecRecord
        var attributes: [String: String]
        /// Row → world rank of the leader that trained it in this job.
        var trainedBy: [Int: Int]
        var best: [BestInfo]
        var validCount: Int, T: Int, N: Int, F: Int
    }

    struct BestInfo: Codable { var sizeIndex: Int, row: Int, fitness: Double, trainCount: Int }

    /// A row this rank trained: enough to fill its training columns.
    struct Trained { var hps: [String: Double], result: WorkResult }

    /// Collective over `world`. `plan` and `best` only on the coordinator; `trained` on leaders.
    static func write(path: String, world: MPICommunicator, layout L: Layout, worker: SearchWorker,
                      plan: SearchPlan?, best: [ResultsFile.Best], trained: [Int: Trained]) throws {
        let tmp = path + ".parallel-tmp"
        let f = try H5File.createParallel(tmp, communicator: world.handle)
        let S = worker.sessionCount
        let cols = ResultsFile.columns(hpCount: L.spec.searched.count, epochs: L.epochs, asyncPBT: L.spec.isAsyncPBT, sessions: S)
        for c in cols {
            try f.createRows(c.name, rows: L.rows, rowShape: c.isMatrix ? [c.width] : [],
                             type: c.int64 ? .int64 : .float64, fill: c.int64 ? -1 : .nan)
        }
        for b in L.best where S > 0 {
            // A stitched model's rates are per session, in DIR/best/size<i>/ (docs/search.md §8).
            let g = "best/size\(b.sizeIndex)"
            try f.createRows("\(g)/session_train_counts", rows: S, rowShape: [], type: .int64, fill: -1)
            try f.setAttribute("row", int64: Int64(b.row), on: g)
            try f.setAttribute("fitness", double: b.fitness, on: g)
            try f.setAttribute("select_by", string: L.spec.selectBy.rawValue, on: g)
        }
        for b in L.best where S == 0 {
            let g = "best/size\(b.sizeIndex)"
            try f.createRows("\(g)/valid_rates", rows: L.validCount, rowShape: [L.T, L.N], type: .float32, fill: .nan)
            try f.createRows("\(g)/valid_factors", rows: L.validCount, rowShape: [L.T, L.F], type: .float32, fill: .nan)
            try f.createRows("\(g)/valid_inds", rows: L.validCount, rowShape: [], type: .int64, fill: -1)
            try f.createRows("\(g)/train_rates", rows: b.trainCount, rowShape: [L.T, L.N], type: .float32, fill: .nan)
            try f.createRows("\(g)/train_inds", rows: b.trainCount, rowShape: [], type: .int64, fill: -1)
            try f.setAttribute("row", int64: Int64(b.row), on: g)
            try f.setAttribute("fitness", double: b.fitness, on: g)
            try f.setAttribute("select_by", string: L.spec.selectBy.rawValue, on: g)
        }
        try ResultsFile.writeStatic(f, spec: L.spec, worker: worker, attributes: L.attributes, complete: true)

        func put(_ c: ResultsFile.Column, row: Int, _ v: [Double]) throws {
            if c.int64 { try f.writeRows(c.name, at: row, int64s: v.map { Int64($0) }) }
            else { try f.writeRows(c.name, at: row, doubles: v) }
        }
        let trainedCols = cols.filter(\.fromTraining), bookCols = cols.filter { !$0.fromTraining }
        for (row, t) in trained.sorted(by: { $0.key < $1.key }) {
            let v = ResultsFile.trainingValues(hps: t.hps, metrics: t.result.metrics, history: t.result.history,
                                               searched: L.spec.searched, epochs: L.epochs, sessions: S)
            for (c, values) in zip(trainedCols, v) { try put(c, row: row, values) }
        }
        if let plan {
            for r in plan.rows {
                for (c, values) in zip(bookCols, ResultsFile.bookkeeping(r, plan: plan)) { try put(c, row: r.row, values) }
                if L.trainedBy[r.row] == nil {
                    let v = ResultsFile.trainingValues(hps: r.hps, metrics: r.metrics, history: r.history,
                                                       searched: L.spec.searched, epochs: L.epochs, sessions: S)
                    for (c, values) in zip(trainedCols, v) { try put(c, row: r.row, values) }
                }
            }
            for b in best where S > 0 {
                try f.writeRows("best/size\(b.sizeIndex)/session_train_counts", at: 0, int64s: (b.sessionTrainCounts ?? []).map(Int64.init))
            }
            for b in best where S == 0 {
                let g = "best/size\(b.sizeIndex)"
                try f.writeRows("\(g)/valid_rates", at: 0, floats: b.validRates)
                try f.writeRows("\(g)/valid_factors", at: 0, floats: b.validFactors)
                try f.writeRows("\(g)/valid_inds", at: 0, int64s: b.validInds.map(Int64.init))
                try f.writeRows("\(g)/train_rates", at: 0, floats: b.trainRates)
                try f.writeRows("\(g)/train_inds", at: 0, int64s: b.trainInds.map(Int64.init))
            }
        }
        try f.close()
        if world.rank == 0 {
            // Parallel HDF5 takes no Fletcher32 with independent writes, so the rows get a SHA-256
            // each, recorded once every rank has closed the file (docs/data.md §7).
            let sealed = try H5File.open(tmp, writable: true)
            try sealed.sealDatasets()
            try sealed.close()
            try AtomicFile.commit(tmp, to: path)
        }
    }
}
