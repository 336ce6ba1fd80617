import Foundation
import Testing
import Store
import ModelIO
import TestSupport
@testable import App
@testable import NLB

/// The README's three commands on the fixture: prepare nwb → train → eval --nlb-submission. The
/// four NLB scores land in metrics.json, and scoring the submission file gives them again.
struct NLBEndToEndTests {
    let dir: ScratchDirectory
    init() throws { dir = try ScratchDirectory() }

    @Test func prepareTrainEvalSubmission() throws {
        let data = dir.file("maze.h5")
        _ = try PrepareNWB.run(nwb: try NLBFixture.nwb, preset: .mcMaze, out: data, command: "test")
        let config = dir.file("tiny.yaml")
        try TinyConfig.yaml(maxEpochs: 4, posteriorSamples: 2, rampEpochs: 2)
            .replacingOccurrences(of: "  synth: {system: lorenz, seed: 2, neurons: 12, conditions: 8, trials_per_condition: 10, bins: 25}",
                                  with: "  file: \(data)")
            .write(toFile: config, atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir.file("run"))
        o.configPath = config
        #expect(try TrainRun.run(o, log: { _ in }) == .ok)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("run/metrics.json")))) as? [String: Any]
        let m = try #require(json)
        for key in ["valid_cobps", "valid_vel_r2", "valid_psth_r2", "valid_fpbps"] {
            #expect((m[key] as? Double)?.isFinite == true, "\(key) in metrics.json: \(String(describing: m[key]))")
        }

        let sub = dir.file("submission.h5")
        try EvalRun.run(params: dir.file("run/params.h5"), data: data, out: dir.file("eval.h5"), posteriorMean: false,
                        samples: nil, force: false, nlbSubmission: sub, nlbDataset: "mc_maze", log: { _ in })
        // Rebuild [K, T, N] rates from the submission's six arrays and score them as NLB would.
        let f = try H5File.open(sub), d = try SpikeDataset.load(path: data)
        func rates(_ split: String, K: Int, forward: Bool) throws -> [Float] {
            let hi = try f.readFloat("mc_maze/\(split)_rates_heldin").values, ho = try f.readFloat("mc_maze/\(split)_rates_heldout").values
            let fhi = forward ? try f.readFloat("mc_maze/eval_rates_heldin_forward").values : []
            let fho = forward ? try f.readFloat("mc_maze/eval_rates_heldout_forward").values : []
            var out: [Float] = []
            for k in 0..<K {
                for t in 0..<140 { out += hi[((k * 140 + t) * 22)..<((k * 140 + t + 1) * 22)]; out += ho[((k * 140 + t) * 8)..<((k * 140 + t + 1) * 8)] }
                for t in 0..<40 {
                    if forward { out += fhi[((k * 40 + t) * 22)..<((k * 40 + t + 1) * 22)]; out += fho[((k * 40 + t) * 8)..<((k * 40 + t + 1) * 8)] }
                    else { out += [Float](repeating: 1, count: 30) }
                }
            }
            return out
        }
        let train = try rates("train", K: 91, forward: false), valid = try rates("eval", K: 29, forward: true)
        let scored = Outputs.heldoutMetrics(validRates: valid, dataset: d)
            .merging(Outputs.nlbMetrics(trainRates: train, validRates: valid, dataset: d)) { a, _ in a }
        let evalJSON = try #require(try H5File.open(dir.file("eval.h5")).stringAttribute("metrics_json"))
        let evalMetrics = try #require(try JSONSerialization.jsonObject(with: Data(evalJSON.utf8)) as? [String: Any])
        for key in ["valid_cobps", "valid_vel_r2", "valid_psth_r2", "valid_fpbps"] {
            let a = try #require(scored[key]), b = try #require(evalMetrics[key] as? Double)
            #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "\(key): submission scores \(a), eval reported \(b)")
        }
    }
}
