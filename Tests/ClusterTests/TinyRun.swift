import Foundation
import ModelIO

/// The tiny synthetic-Lorenz config of Tests/AppTests (about 0.2 s per epoch in a debug build).
enum TinyRun {
    static let config = """
        data:
          synth: {system: lorenz, seed: 2, neurons: 12, conditions: 8, trials_per_condition: 10, bins: 25}
        hps:
          ic_enc_dim: 12
          ci_enc_dim: 8
          con_dim: 8
          co_dim: 1
          ic_dim: 8
          gen_dim: 24
          fac_dim: 6
          dropout_rate: 0.05
          cd_rate: 0.3
          sv_rate: 0.2
          kl_increase_epoch: 5
          l2_increase_epoch: 5
          lr: 0.02
          batch_size: 16
          max_epochs: 40
          posterior_samples: 5
        """

    /// Writes the config into `dir` and returns its path.
    static func writeConfig(in dir: String) throws -> String {
        let path = dir + "/tiny.yaml"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// history.csv as columns by name.
    static func history(_ runDir: String) throws -> [String: [Double]] {
        let lines = try String(contentsOfFile: runDir + "/history.csv", encoding: .utf8).split(separator: "\n")
        let names = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var cols: [String: [Double]] = [:]
        for line in lines.dropFirst() {
            for (name, v) in zip(names, line.split(separator: ",", omittingEmptySubsequences: false)) {
                cols[name, default: []].append(Double(v) ?? .nan)
            }
        }
        return cols
    }

    static func params(_ runDir: String) throws -> [Float] {
        let (_, p): (_, [Float]) = try ParameterFile.read(runDir + "/params.h5")
        return p
    }
}
