import Foundation
import Testing

/// A stitched model with other features on (docs/model.md §18 with §14) under mpirun: 2 ranks train
/// the model 1 rank trains, up to summation order.
@Suite(.serialized, .enabled(if: MPIJob.available, "needs mpirun and the built spikesae"))
struct StitchedFeaturesDataParallelTests {
    /// Session files made with `synth` options `extra`, trained 4 epochs with `hps` added to the
    /// stitched config, on 1 and 2 ranks (StitchedDataParallelTests.compareRanks).
    static func compare(_ name: String, synth extra: [String], hps: String) throws {
        let dir = MPIJob.tempDir(name)
        try StitchedDataParallelTests.sessions(dir, extra: extra)
        let config = StitchedDataParallelTests.config(dir).replacingOccurrences(of: "max_epochs: 8", with: "max_epochs: 4") + hps
        try StitchedDataParallelTests.compareRanks(dir, config: config, epochs: 4)
    }

    @Test func twoRanksTrainTheSameStitchedZigModelAsOne() throws {
        try Self.compare("stitched-zig", synth: ["--observation", "zig"], hps: "  recon: zig\n  gamma_loc: 0.1\n")
    }

    /// SBTT: each session's normaliser is its observed count over the whole step, not one rank's share.
    @Test func twoRanksTrainTheSameStitchedSBTTModelAsOne() throws {
        try Self.compare("stitched-sbtt", synth: ["--missing-fraction", "0.3"], hps: "  sbtt: 1\n")
    }

    /// External inputs: each rank's share of a mixed step gathers its own trials' inputs into the core.
    @Test func twoRanksTrainTheSameStitchedModelWithExternalInputsAsOne() throws {
        try Self.compare("stitched-ext", synth: ["--ext-pulse", "8"], hps: "  ext_input_dim: 1\n")
    }

    /// Temporal shift with SBTT: shifts keyed per session trial, and each session's n_O counted on the
    /// shifted targets of the whole step, so 2 ranks draw and normalise as 1.
    @Test func twoRanksTrainTheSameStitchedShiftedSBTTModelAsOne() throws {
        try Self.compare("stitched-tshift", synth: ["--time-jitter", "2", "--missing-fraction", "0.2"],
                         hps: "  sbtt: 1\n  temporal_shift_max: 2\n  temporal_shift_std: 1.0\n")
    }
}
