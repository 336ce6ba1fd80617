import Foundation
import Vocabulary

/// The tiny synthetic-Lorenz model the end-to-end tests share: 80 trials of 12 neurons × 25 bins,
/// a few hundred parameters, about 0.2 s per epoch in a debug build.
public enum TinyConfig {
    /// A train config (data and hps sections); append a `search:` section for a search.
    public static func yaml(maxEpochs: Int = 40, posteriorSamples: Int = 5, rampEpochs: Int = 5) -> String {
        """
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
          kl_increase_epoch: \(rampEpochs)
          l2_increase_epoch: \(rampEpochs)
          lr: 0.02
          batch_size: 16
          max_epochs: \(maxEpochs)
          posterior_samples: \(posteriorSamples)

        """
    }

    /// A random-search section over lr and dropout_rate, to append to `yaml()`.
    public static func randomSearch(seed: Int, sizes: String = "[1.0, 0.5]", trialsPerSize: Int = 2,
                                    selectBy: String = SelectBy.validNLL.rawValue) -> String {
        """
        search:
          method: random
          sizes: \(sizes)
          trials_per_size: \(trialsPerSize)
          select_by: \(selectBy)
          seed: \(seed)
          space:
            lr: {dist: log_uniform, min: 0.005, max: 0.03}
            dropout_rate: {dist: uniform, min: 0.0, max: 0.2}
        """
    }

    /// A fresh, empty temporary directory unique to this test process.
    public static func tempDir(_ prefix: String, _ name: String) -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("spikesae-\(prefix)-\(getpid())-\(name)").path
        try? FileManager.default.removeItem(atPath: d)
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }
}
