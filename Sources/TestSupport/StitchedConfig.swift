/// The small stitched model (docs/model.md §18) the stitched end-to-end tests share, in process and
/// under mpirun: a config over the session files `sessions` (a glob), about TinyConfig's size.
public enum StitchedConfig {
    /// `trainReadin` adds `train_readin: 1`; `extra` is appended to the hps section as given (indented).
    public static func yaml(sessions pattern: String, readinDim: Int = 6, trainReadin: Bool = false, facDim: Int = 6,
                            rampEpochs: Int = 2, batchSize: Int = 12, maxEpochs: Int = 6, extra: String = "") -> String {
        """
        data:
          sessions: "\(pattern)"
        hps:
          readin_dim: \(readinDim)
        \(trainReadin ? "  train_readin: 1\n" : "")  ic_enc_dim: 8
          ci_enc_dim: 6
          con_dim: 6
          co_dim: 1
          ic_dim: 6
          gen_dim: 16
          fac_dim: \(facDim)
          dropout_rate: 0.05
          cd_rate: 0.3
          sv_rate: 0.2
          kl_increase_epoch: \(rampEpochs)
          l2_increase_epoch: \(rampEpochs)
          lr: 0.02
          batch_size: \(batchSize)
          max_epochs: \(maxEpochs)
          posterior_samples: 3
        \(extra)

        """
    }
}
