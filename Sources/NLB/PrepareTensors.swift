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

    /// nlb_tools' saved tensors: held-in and held-out spikes of train and eval trials, forward spikes
    /// and behaviour when present; the eval trials' forward spikes, behaviour and PSTHs come from
    /// the eval target (`make_eval_target_tensors`), whose group is the dataset name.
    public static func fromNLBTools(trainInput: Location, evalInput: Location, evalTarget: Location?, binMs: Int?,
                                    out: String, command: String) throws -> String {
        do {
            let tr = try open(trainInput), ev = try open(evalInput)
            let target = try evalTarget.map(open)
            var x = Tensors()
            let hi = try tr.array3("train_spikes_heldin", counts: true), ho = try tr.array3("train_spikes_heldout", counts: true)
            let ehi = try ev.array3("eval_spikes_heldin", counts: true)
            let evalHeldoutSource = ev.has("eval_spikes_heldout") ? ev : try target ?? { throw ev.fail("eval_spikes_heldout",
                "not found, and no --eval-target to take it from: the eval trials need held-out spikes (the 'test' split has none)") }()
            let eho = try evalHeldoutSource.array3("eval_spikes_heldout", counts: true)
            for (reader, name, s) in [(tr, "train_spikes_heldout", ho.shape), (ev, "eval_spikes_heldin", ehi.shape),
                                      (evalHeldoutSource, "eval_spikes_heldout", eho.shape)] {
                let want = name.hasPrefix("train") ? [hi.shape[0], hi.shape[1]] : [ehi.shape[0], hi.shape[1]]
                guard Array(s.prefix(2)) == want else {
                    throw reader.fail(name, "shape \(s) does not match \(want[0]) trials × \(want[1]) bins of train_spikes_heldin")
                }
            }
            guard ehi.shape[2] == hi.shape[2], eho.shape[2] == ho.shape[2] else {
                throw ev.fail("eval_spikes_heldin", "has \(ehi.shape[2]) held-in and \(eho.shape[2]) held-out neurons but the train tensors have \(hi.shape[2]) and \(ho.shape[2])")
            }
            var train = join(hi.values, hi.shape, ho.values, ho.shape, neurons: true)
            var valid = join(ehi.values, ehi.shape, eho.values, eho.shape, neurons: true)
            let N = hi.shape[2] + ho.shape[2]
            var T = hi.shape[1]
            // Forward bins need both splits: the train input's and the eval target's.
            if tr.has("train_spikes_heldin_forward"), let target, target.has("eval_spikes_heldin_forward") {
                let f = try [(tr, "train"), (target, "eval")].map { r, s -> ([Double], [Int]) in
                    let a = try r.array3("\(s)_spikes_heldin_forward", counts: true), b = try r.array3("\(s)_spikes_heldout_forward", counts: true)
                    return (join(a.values, a.shape, b.values, b.shape, neurons: true), [a.shape[0], a.shape[1], N])
                }
                guard f[0].1[1] == f[1].1[1] else { throw target.fail("eval_spikes_heldin_forward", "has \(f[1].1[1]) forward bins but the train input has \(f[0].1[1])") }
                train = join(train, [hi.shape[0], T, N], f[0].0, f[0].1, neurons: false)
                valid = join(valid, [ehi.shape[0], T, N], f[1].0, f[1].1, neurons: false)
                x.forward = f[0].1[1]
                T += x.forward
            }
            x.train = train; x.valid = valid; x.K = (hi.shape[0], ehi.shape[0]); x.T = T; x.N = N; x.heldout = ho.shape[2]
            if tr.has("train_behavior"), let target, target.has("eval_behavior") {
                let tb = try tr.array3("train_behavior", counts: false), vb = try target.array3("eval_behavior", counts: false)
                guard tb.shape == [x.K.0, T - x.forward, tb.shape[2]], vb.shape == [x.K.1, T - x.forward, tb.shape[2]] else {
                    throw target.fail("eval_behavior", "shape \(vb.shape) (train_behavior \(tb.shape)) does not match the trials × observed bins")
                }
                x.trainBehavior = tb.values; x.validBehavior = vb.values; x.B = tb.shape[2]
            }
            if let target, target.has("psth") {
                let p = try target.array3("psth", counts: false)
                guard p.shape[1] == T - x.forward, p.shape[2] == N else {
                    throw target.fail("psth", "shape \(p.shape) does not match [conditions, \(T - x.forward) bins, \(N) neurons]")
                }
                x.psth = p.values; x.C = p.shape[0]
                x.trainCondition = try conditions(target, "train_cond_idx", C: p.shape[0], K: x.K.0)
                x.validCondition = try conditions(target, "eval_cond_idx", C: p.shape[0], K: x.K.1)
            }
            var attributes = ["source_file": "\(trainInput.file) \(evalInput.file)" + (evalTarget.map { " " + $0.file } ?? ""),
                              "source_layout": "nlb_tools", "command": command]
            // The eval target's group is named after the dataset (mc_maze, mc_maze_20, …): the submission group.
            if let name = evalTarget?.group.split(separator: "/").last.map(String.init),
               NLBPreset.all.contains(where: { name == $0.name || name.hasPrefix($0.name + "_") }) {
                attributes["nlb_dataset"] = name
            }
            try write(x, to: out, binMs: binMs, attributes: attributes)
            return "\(x.K.0) train / \(x.K.1) valid trials, \(N - x.heldout) held-in + \(x.heldout) held-out neurons, \(T - x.forward) + \(x.forward) forward bins"
        } catch let e as StoreError { throw PrepareError(e.description) }
    }

    /// nlb_tools' per-condition trial lists (`c00`, `c01`, … in a group) as one condition per trial;
    /// every trial must be listed exactly once.
    static func conditions(_ r: Reader, _ group: String, C: Int, K: Int) throws -> [Int64] {
        var out = [Int64](repeating: -1, count: K)
        for c in 0..<C {
            let name = String(format: "%@/c%02d", group, c)
            guard r.has(name) else { throw r.fail(name, "not found; the PSTH of condition \(c) needs its trial list") }
            for k in try r.file.readInt64(r.at.path(name)).values {
                guard k >= 0, Int(k) < K, out[Int(k)] == -1 else {
                    throw r.fail(name, "lists trial \(k), which is out of range (\(K) trials) or already in another condition")
                }
                out[Int(k)] = Int64(c)
            }
        }
        if let k = out.firstIndex(of: -1) { throw r.fail(group, "trial \(k) is in no condition") }
        return out
    }

    /// lfads-torch's layout: `*_recon_data` holds every neuron over every bin (held-in first,
    /// observed first), `*_encod_data` the held-in neurons over the observed bins; the difference
    /// in shape gives the held-out neurons and forward bins.
    public static func fromLFADSTorch(_ at: Location, binMs: Int?, out: String, command: String) throws -> String {
        do {
            let r = try open(at)
            var x = Tensors()
            var shapes: [[Int]] = []
            for split in ["train", "valid"] {
                let recon = try r.array3("\(split)_recon_data", counts: true), encod = try r.array3("\(split)_encod_data", counts: true)
                let (K, T, N, t, n) = (recon.shape[0], recon.shape[1], recon.shape[2], encod.shape[1], encod.shape[2])
                guard encod.shape[0] == K, t <= T, n <= N else {
                    throw r.fail("\(split)_encod_data", "shape \(encod.shape) is not a block of \(split)_recon_data \(recon.shape)")
                }
                for k in 0..<K { for b in 0..<t { for j in 0..<n where encod.values[(k * t + b) * n + j] != recon.values[(k * T + b) * N + j] {
                    throw r.fail("\(split)_encod_data", "differs from \(split)_recon_data at [\(k),\(b),\(j)]; encod must be recon's held-in neurons over its observed bins")
                } } }
                if split == "train" { x.train = recon.values; x.K.0 = K } else { x.valid = recon.values; x.K.1 = K }
                shapes.append([T, N, t, n])
            }
            guard shapes[0] == shapes[1] else {
                throw r.fail("valid_recon_data", "bins/neurons \(shapes[1]) differ from train's \(shapes[0])")
            }
            (x.T, x.N, x.forward, x.heldout) = (shapes[0][0], shapes[0][1], shapes[0][0] - shapes[0][2], shapes[0][1] - shapes[0][3])
            for split in ["train", "valid"] where r.has("\(split)_inds") {
                let v = try r.file.readInt64(at.path("\(split)_inds")).values
                if split == "train" { x.trainInds = v } else { x.validInds = v }
            }
            if r.has("train_behavior") && r.has("valid_behavior") {
                let tb = try r.array3("train_behavior", counts: false), vb = try r.array3("valid_behavior", counts: false)
                guard tb.shape == [x.K.0, x.T - x.forward, tb.shape[2]], vb.shape == [x.K.1, x.T - x.forward, tb.shape[2]] else {
                    throw r.fail("valid_behavior", "shape \(vb.shape) (train_behavior \(tb.shape)) does not match the trials × observed bins")
                }
                x.trainBehavior = tb.values; x.validBehavior = vb.values; x.B = tb.shape[2]
            }
            try write(x, to: out, binMs: binMs, attributes: ["source_file": at.file, "source_layout": "lfads-torch", "command": command])
            return "\(x.K.0) train / \(x.K.1) valid trials, \(x.N - x.heldout) held-in + \(x.heldout) held-out neurons, \(x.T - x.forward) + \(x.forward) forward bins"
        } catch let e as StoreError { throw PrepareError(e.description) }
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
