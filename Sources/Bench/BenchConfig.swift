import Config
import Foundation
import LFADS
import ModelIO

/// A model to benchmark: its hyperparameters (batch 128, data size included) and a name.
public struct BenchConfig: Sendable {
    public let name: String
    public let hp: Hyperparameters

    /// The two configurations of docs/model.md §11; every other HP at its default
    /// (dropout 0.3, CD 0.3 with blocking, SV off, loss scale 1e4, clip 200).
    public static let named: [String: BenchConfig] = [
        "lorenz-small": preset("lorenz-small", N: 29, T: 50, Hg: 100, F: 40),
        "maze-medium": preset("maze-medium", N: 137, T: 140, Hg: 200, F: 100),
    ]
    public static let defaultNames = ["lorenz-small", "maze-medium"]

    static func preset(_ name: String, N: Int, T: Int, Hg: Int, F: Int) -> BenchConfig {
        var hp = Hyperparameters()
        hp.dataDim = N; hp.seqLen = T; hp.batchSize = 128
        hp.icEncDim = 64; hp.ciEncDim = 64; hp.conDim = 64; hp.coDim = 4; hp.icDim = 64
        hp.genDim = Hg; hp.facDim = F
        return BenchConfig(name: name, hp: hp)
    }

    /// A name of `named`, or a run config (YAML): its hps as they are, N and T from its data section
    /// (the file's shape, or the synth spec) unless the hps give data_dim and seq_len; batch 128.
    public static func resolve(_ nameOrPath: String) throws -> BenchConfig {
        if let c = named[nameOrPath] { return c }
        guard nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") else {
            throw ConfigError("unknown bench config '\(nameOrPath)': give \(defaultNames.joined(separator: ", ")) or a FILE.yaml")
        }
        let rc = try RunConfig.load(path: nameOrPath)
        var hp = rc.hps
        if hp.dataDim == 0 || hp.seqLen == 0 {
            let (n, t) = try dataShape(rc.data, origin: nameOrPath)
            if hp.dataDim == 0 { hp.dataDim = n }
            if hp.seqLen == 0 { hp.seqLen = t }
        }
        hp.batchSize = 128
        return BenchConfig(name: nameOrPath, hp: try hp.validated())
    }

    /// (N, T) of a config's data without generating synthetic data.
    static func dataShape(_ source: DataSource?, origin: String) throws -> (Int, Int) {
        switch source {
        case .file(let path)?:
            let d = try SpikeDataset.load(path: path)
            return (d.N, d.T)
        case .synth(let system, let options)?:
            guard let sys = SynthSystem(rawValue: system.replacingOccurrences(of: "-", with: "_")) else {
                throw ConfigError("\(origin): unknown data.synth.system '\(system)'")
            }
            var spec = SynthSpec(system: sys)
            if case .int(let n)? = options["neurons"] { spec.neurons = n }
            if case .int(let t)? = options["bins"] { spec.bins = t }
            return (spec.neurons, spec.bins)
        case .sessions?:
            throw ConfigError("\(origin): the bench times one session's model; give data.file or data.synth")
        case nil:
            throw ConfigError("\(origin): no data section and no hps.data_dim/seq_len: the bench needs N and T")
        }
    }
}
