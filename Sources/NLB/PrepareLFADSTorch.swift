import Foundation
import Store

extension PrepareTensors {
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
}
