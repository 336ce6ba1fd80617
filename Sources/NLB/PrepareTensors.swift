import Foundation
import Store

/// `spikesae prepare nlb` and `prepare lfads-torch`: tensors users already made with nlb_tools
/// (`save_to_h5` of its train/eval input and eval target dicts) or for lfads-torch
/// (`{train,valid}_{encod,recon}_data`), rewritten in the classic layout `prepare nwb` writes.
public enum PrepareTensors {
    /// A file, or a group inside one written as `file.h5:/group`.
    public struct Location: Sendable {
        public var file: String, group: String
        public init(_ spec: String) {
            if let r = spec.range(of: ".h5:/") ?? spec.range(of: ".hdf5:/") ?? spec.range(of: ".nwb:/") {
                file = String(spec[..<spec.index(r.upperBound, offsetBy: -2)])
                group = String(spec[spec.index(before: r.upperBound)...])
            } else { file = spec; group = "" }
        }
        func path(_ name: String) -> String { group.isEmpty ? "/" + name : group + "/" + name }
    }

    /// What goes into the training file.
    struct Tensors {
        var train: [Double] = [], valid: [Double] = [], K = (0, 0), T = 0, N = 0
        var heldout = 0, forward = 0
        var trainBehavior: [Double]?, validBehavior: [Double]?, B = 0
        var trainInds: [Int64]?, validInds: [Int64]?
        var trainCondition: [Int64]?, validCondition: [Int64]?, psth: [Double]?, C = 0
    }

    /// One [K, T, N] array of a file; `counts` checks that it holds spike counts.
    struct Reader {
        let file: H5File, at: Location
        func fail(_ name: String, _ problem: String) -> PrepareError { PrepareError(file: at.file, path: at.path(name), problem) }
        func has(_ name: String) -> Bool { file.exists(at.path(name)) }
        func array3(_ name: String, counts: Bool) throws -> (shape: [Int], values: [Double]) {
            guard has(name) else {
                throw fail(name, "not found (present: \(file.datasetNames(in: at.group.isEmpty ? "/" : at.group).joined(separator: ", ")))")
            }
            let a = try file.readDoubleAcceptingHalf(at.path(name))
            guard a.shape.count == 3 else {
                throw fail(name, "must be 3-D [trials, bins, \(counts ? "neurons" : "channels")], got rank \(a.shape.count) shape \(a.shape)")
            }
            if counts, let i = a.values.firstIndex(where: { !($0 >= 0 && $0 == $0.rounded()) }) {
                let (n, t, k) = (i % a.shape[2], (i / a.shape[2]) % a.shape[1], i / (a.shape[1] * a.shape[2]))
                throw fail(name, "holds \(a.values[i]) at [\(k),\(t),\(n)], not a spike count")
            }
            return a
        }
    }

    /// [K, T1, N1] and [K, T2, N2] side by side along neurons (`neurons`) or bins.
    static func join(_ a: [Double], _ sa: [Int], _ b: [Double], _ sb: [Int], neurons: Bool) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(a.count + b.count)
        let ra = sa[1] * sa[2], rb = sb[1] * sb[2]
        for k in 0..<sa[0] {
            if neurons {
                for t in 0..<sa[1] {
                    out += a[((k * sa[1] + t) * sa[2])..<((k * sa[1] + t + 1) * sa[2])]
                    out += b[((k * sb[1] + t) * sb[2])..<((k * sb[1] + t + 1) * sb[2])]
                }
            } else {
                out += a[(k * ra)..<((k + 1) * ra)]
                out += b[(k * rb)..<((k + 1) * rb)]
            }
        }
        return out
    }

    static func open(_ at: Location) throws -> Reader {
        do { return Reader(file: try H5File.open(at.file), at: at) } catch let e as StoreError { throw PrepareError(e.description) }
    }

    static func write(_ x: Tensors, to out: String, binMs: Int?, attributes: [String: String]) throws {
        try H5File.writeAtomically(to: out) { f in
            try f.write("train_data", shape: [x.K.0, x.T, x.N], doubles: x.train, storedAs: .int32, compress: true)
            try f.write("valid_data", shape: [x.K.1, x.T, x.N], doubles: x.valid, storedAs: .int32, compress: true)
            let Tobs = x.T - x.forward
            if let tb = x.trainBehavior, let vb = x.validBehavior {
                try f.write("train_behavior", shape: [x.K.0, Tobs, x.B], doubles: tb, compress: true)
                try f.write("valid_behavior", shape: [x.K.1, Tobs, x.B], doubles: vb, compress: true)
            }
            if let ti = x.trainInds, let vi = x.validInds {
                try f.write("train_inds", shape: [ti.count], int64s: ti)
                try f.write("valid_inds", shape: [vi.count], int64s: vi)
            }
            if let psth = x.psth, let tc = x.trainCondition, let vc = x.validCondition {
                try f.write("psth", shape: [x.C, Tobs, x.N], doubles: psth, compress: true)
                try f.write("train_condition", shape: [tc.count], int64s: tc)
                try f.write("valid_condition", shape: [vc.count], int64s: vc)
            }
            try f.setAttribute("heldout_neurons", int64: Int64(x.heldout))
            try f.setAttribute("forward_bins", int64: Int64(x.forward))
            if let binMs { try f.setAttribute("bin_ms", double: Double(binMs)) }
            for (k, v) in attributes { try f.setAttribute(k, string: v) }
        }
    }
}
