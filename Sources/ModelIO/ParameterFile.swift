import Foundation
import LFADS
import Store

/// Errors reading a parameter file; each names the file and the tensor or attribute.
public struct ParameterFileError: Error, CustomStringConvertible {
    public let description: String
}

/// The public parameter-file format of docs/model.md §10: one float32 dataset per tensor at the
/// root, named as in ParameterLayout, plus the `hps`, `layout` and `format` attributes.
public enum ParameterFile {
    public static let format = "spikesae params v1"
    public static let layoutText = """
        LFADS parameters, one float32 dataset per tensor at the root; names contain a dot \
        ('gen.W_h' is a dataset, not a group path). Linear maps use row vectors, y = x·W + b, \
        with W stored [in, out] in row-major (C) order. GRU kernels W_x [in, 3H], W_h [H, 3H] and \
        biases b [3H] have column blocks ordered (r, u, c): reset, update, candidate; the reset gate \
        multiplies h before the recurrent candidate matmul, one bias per cell, states clipped to \
        [-cell_clip, cell_clip]. fac.W is stored unnormalised; its columns are normalised at use. \
        con.W_x rows are [ci_fwd | ci_bwd | factors]; ic_post rows are [fwd final | bwd final]. \
        The AR(1) prior has alpha = exp(-exp(-log_tau)) and innovation variance exp(log_nvar). \
        The attribute hps (JSON) holds every hyperparameter needed to rebuild the model.
        """

    /// Writes params to path atomically (temporary name, then rename).
    public static func write<T: Scalar>(_ params: [T], hp: Hyperparameters, to path: String,
                                        selected: String? = nil, bestEpoch: Int? = nil) throws {
        let layout = ParameterLayout(hp)
        precondition(params.count == layout.count, "parameter buffer does not match the layout")
        try H5File.writeAtomically(to: path) { f in
            for e in layout.entries {
                let values = params[e.offset..<(e.offset + e.count)].map { Float($0) }
                try f.write(e.name, shape: e.shape, floats: values)
            }
            try f.setAttribute("hps", string: hp.jsonString())
            try f.setAttribute("layout", string: layoutText)
            try f.setAttribute("format", string: format)
            if let selected { try f.setAttribute("selected", string: selected) }
            if let bestEpoch { try f.setAttribute("best_epoch", int64: Int64(bestEpoch)) }
        }
    }

    /// Reads a parameter file: the model's hyperparameters and its flat parameter buffer.
    public static func read<T: Scalar>(_ path: String, as: T.Type = T.self) throws -> (hp: Hyperparameters, params: [T]) {
        let f = try H5File.open(path)
        defer { try? f.close() }
        guard let json = try f.stringAttribute("hps") else {
            throw ParameterFileError(description: "\(path): no 'hps' attribute; not a SpikeSAE/LFADS parameter file")
        }
        let hp: Hyperparameters
        do { hp = try Hyperparameters(json: json).validated() } catch {
            throw ParameterFileError(description: "\(path): attribute 'hps': \(error)")
        }
        return (hp, try readTensors(f, layout: ParameterLayout(hp), group: ""))
    }

    /// Reads every tensor of layout from `group` (e.g. "" for the root, "params/" in golden files).
    public static func readTensors<T: Scalar>(_ f: H5File, layout: ParameterLayout, group: String, as: T.Type = T.self) throws -> [T] {
        var p = [T](repeating: 0, count: layout.count)
        for e in layout.entries {
            let name = group + e.name
            guard f.exists(name) else {
                throw ParameterFileError(description: "\(f.path): tensor '\(name)' is missing (shape \(e.shape) expected)")
            }
            let (shape, values) = try f.readDouble(name)
            guard shape == e.shape else {
                throw ParameterFileError(description: "\(f.path): tensor '\(name)' has shape \(shape); expected \(e.shape)")
            }
            for i in 0..<e.count { p[e.offset + i] = T(values[i]) }
        }
        return p
    }
}
