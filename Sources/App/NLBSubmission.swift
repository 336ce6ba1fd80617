import Foundation
import ModelIO
import Store

/// An NLB submission (docs/real-data.md §5): one group named after the dataset holding the rates
/// nlb_tools' `evaluate` and EvalAI score, in spikes per bin, float32, [trials, bins, neurons].
public enum NLBSubmission {
    public static let datasets = ["mc_maze", "mc_rtt", "area2_bump", "dmfc_rsg", "mc_maze_large", "mc_maze_medium", "mc_maze_small"]

    /// The group name: the dataset, with `_<bin>` appended unless the bins are NLB's default 5 ms.
    public static func group(dataset: String, binMs: Double?) throws -> String {
        guard datasets.contains(dataset) else {
            throw RunError("--nlb-dataset '\(dataset)' is not an NLB dataset (known: \(datasets.joined(separator: ", ")))")
        }
        guard let binMs else { return dataset }
        return binMs == 5 ? dataset : "\(dataset)_\(Int(binMs))"
    }

    /// Writes the six rate arrays for `d` atomically: train and valid ("eval") rates over the observed
    /// bins split into held-in and held-out columns, and the valid rates over the forward bins.
    public static func write(trainRates: [Float], validRates: [Float], dataset d: SpikeDataset, group: String, to path: String) throws {
        guard d.heldoutNeurons > 0 else {
            throw RunError("\(d.path) has no held-out neurons (root attribute heldout_neurons); an NLB submission needs them")
        }
        let Tobs = d.T - d.forwardBins
        func block(_ rates: [Float], K: Int, bins: Range<Int>, cols: Range<Int>) -> [Float] {
            var out: [Float] = []
            out.reserveCapacity(K * bins.count * cols.count)
            for k in 0..<K {
                for t in bins {
                    let row: Int = (k * d.T + t) * d.N
                    out += rates[(row + cols.lowerBound)..<(row + cols.upperBound)]
                }
            }
            return out
        }
        try H5File.writeAtomically(to: path) { f in
            var arrays: [(String, [Float], Int, Range<Int>, Range<Int>)] = [
                ("train_rates_heldin", trainRates, d.trainCount, 0..<Tobs, d.heldInColumns),
                ("train_rates_heldout", trainRates, d.trainCount, 0..<Tobs, d.heldOutColumns),
                ("eval_rates_heldin", validRates, d.validCount, 0..<Tobs, d.heldInColumns),
                ("eval_rates_heldout", validRates, d.validCount, 0..<Tobs, d.heldOutColumns),
            ]
            if d.forwardBins > 0 {
                arrays += [("eval_rates_heldin_forward", validRates, d.validCount, Tobs..<d.T, d.heldInColumns),
                           ("eval_rates_heldout_forward", validRates, d.validCount, Tobs..<d.T, d.heldOutColumns)]
            }
            for (name, rates, K, bins, cols) in arrays {
                try f.write("\(group)/\(name)", shape: [K, bins.count, cols.count], floats: block(rates, K: K, bins: bins, cols: cols), compress: true)
            }
            try f.setAttribute("units", string: "expected spikes per bin", on: group)
            try f.setAttribute("data_path", string: d.path, on: group)
        }
    }
}
