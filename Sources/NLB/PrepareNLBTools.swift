import Foundation
import Store

extension PrepareTensors {
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
}
