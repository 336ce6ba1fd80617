import App
import ArgumentParser

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Infer rates from a saved parameter file (params.h5) on a dataset.",
        discussion: "Writes the same output layout as training's rates.h5, and prints NLL, bits/spike and, when the data have truth, R².")

    @Option(help: "Parameter file (e.g. DIR/params.h5 of a training run).") var params: String
    @Option(help: "HDF5 data file with train_data/valid_data.") var data: String
    @Option(help: "Output HDF5 file for rates.") var out: String
    @Option(help: "sample: mean of exp(log-rate) over posterior samples; mean: one pass at the posterior mean.")
    var mode: String = "sample"
    @Option(help: "Posterior samples (default: the model's posterior_samples).") var samples: Int?
    @Option(help: "Kernel sd in ms of the smoothed-spike PSTHs for PSTH R² on data without truth (NLB: 70 for MC_Maze, 50 for its scaling sets).")
    var psthSmoothingMs: Double = 70
    @Option(help: "Also write an NLB submission file (the rate groups nlb_tools' evaluate and EvalAI score).") var nlbSubmission: String?
    @Option(help: "NLB dataset name of the submission group: mc_maze, mc_maze_large, … (_20 is appended at 20 ms bins).") var nlbDataset: String?
    @Flag(help: "Overwrite --out (and --nlb-submission) if it exists.") var force = false

    func validate() throws {
        guard ["sample", "mean"].contains(mode) else { throw ValidationError("--mode must be 'sample' or 'mean', got '\(mode)'") }
        if let samples, samples < 1 { throw ValidationError("--samples must be ≥ 1") }
        guard psthSmoothingMs > 0 && psthSmoothingMs.isFinite else { throw ValidationError("--psth-smoothing-ms must be > 0") }
    }

    func run() throws {
        try reportingErrors {
            try EvalRun.run(params: params, data: data, out: out, posteriorMean: mode == "mean", samples: samples, force: force,
                            psthSmoothingMs: psthSmoothingMs, nlbSubmission: nlbSubmission, nlbDataset: nlbDataset)
        }
    }
}
