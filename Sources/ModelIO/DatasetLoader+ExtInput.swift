import Foundation
import Store

/// External inputs (docs/model.md §16, docs/data.md §1): `{train,valid}_ext_input` [K, T_e, E].
extension DatasetLoader {
    /// Both splits' external inputs as Float32 [K, T, E], zero-padded over the bins after T_e, and T_e.
    /// E = 0 reads nothing (the caller warns that the datasets are ignored).
    func externalInputs(E: Int, train: DatasetInfo, valid: DatasetInfo) throws -> (train: [Float], valid: [Float], bins: Int)? {
        guard E > 0 else { return nil }
        let T = train.shape[1]
        var bins: Int?
        var out: [[Float]] = []
        for (split, data) in [("train", train), ("valid", valid)] {
            let name = "\(split)_ext_input", dataName = "\(split)_data"
            guard file.exists(name) else {
                throw fail("required dataset '\(name)' not found (ext_input_dim is \(E))")
            }
            let info = try file.info(name)
            if case .other(let type) = info.kind { throw fail("'\(name)' has type \(type); expected float external inputs") }
            guard info.shape.count == 3 else {
                throw fail("'\(name)' must be 3-D [trials,time,inputs], got \(DatasetValidation.shape(info.shape))")
            }
            let (k, te, e) = (info.shape[0], info.shape[1], info.shape[2])
            guard k == data.shape[0] else { throw fail("'\(name)' has \(k) trials but '\(dataName)' has \(data.shape[0])") }
            guard e == E else { throw fail("'\(name)' has \(e) inputs per bin but ext_input_dim is \(E)") }
            // T_e = T − forward_bins is checked once forward_bins is known (config or file), in withHeldout.
            guard te >= 1 && te <= T else {
                throw fail("'\(name)' has \(te) bins; expected T = \(T) or T − forward_bins")
            }
            if let b = bins, b != te { throw fail("'\(name)' has \(te) bins but 'train_ext_input' has \(b)") }
            bins = te
            let (shape, values) = try file.readDouble(name)
            for (i, v) in values.enumerated() where !v.isFinite || abs(v) > Double(Float.greatestFiniteMagnitude) {
                throw fail("'\(name)' contains \(DatasetValidation.format(v)) at \(DatasetValidation.index(i, shape)); external inputs must be finite")
            }
            var padded = [Float](repeating: 0, count: k * T * E)
            for trial in 0..<k {
                for t in 0..<te {
                    for j in 0..<E { padded[(trial * T + t) * E + j] = Float(values[(trial * te + t) * E + j]) }
                }
            }
            out.append(padded)
        }
        return (out[0], out[1], bins!)
    }
}
