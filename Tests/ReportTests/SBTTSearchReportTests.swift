import Foundation
import Testing
@testable import App
import LFADS
@testable import Report
@testable import SearchRunner
import Store
import TestSupport

/// A search with SBTT (docs/model.md §15) on data with 30 % of the elements missing, end to end:
/// its rows are scored on observed elements only, `eval` of a selected model reproduces them, and
/// `report` writes its tables.
struct SBTTSearchReportTests {
    static let config = TinyConfig.yaml(maxEpochs: 4, posteriorSamples: 2, rampEpochs: 2)
        .replacingOccurrences(of: "bins: 25}", with: "bins: 25, missing_fraction: 0.3}")
        .replacingOccurrences(of: "hps:\n", with: "hps:\n  sbtt: 1\n")
        + TinyConfig.randomSearch(seed: 6, trialsPerSize: 1)

    /// Poisson NLL per element and bits/spike (per-neuron mean-count null) over the elements
    /// `scored` admits, written out here rather than taken from Training's Metrics.
    static func score(counts: [Float], rates: [Float], N: Int, scored: (Int) -> Bool) -> (nll: Double, bps: Double) {
        var nll = 0.0, n = 0, model = 0.0, null = 0.0, spikes = 0.0
        for j in 0..<N {
            let idx = stride(from: j, to: counts.count, by: N).filter(scored)
            let mean = idx.reduce(0.0) { $0 + Double(counts[$1]) } / Double(idx.count)
            for i in idx {
                let x = Double(counts[i]), lam = Double(rates[i])
                nll += LFADS.poissonNLL(count: x, logRate: log(lam)); n += 1
                model += lam - x * log(lam)
                null += mean - x * log(mean)
                spikes += x
            }
        }
        return (nll / Double(n), (null - model) / (spikes * log(2.0)))
    }

    @Test func sbttSearchScoresObservedElementsOnlyAndReports() throws {
        let (dir, exit) = try SearchFixture.runSearch(Self.config, name: "sbtt")
        #expect(exit == .ok)

        let f = try H5File.open(dir + "/results.h5")
        #expect(try f.int64Attribute("complete") == 1)
        #expect(try f.readInt64("trials/size").values == [64, 32])
        let rateNLL = try SearchFixture.metricColumn(f, "valid_rate_nll"), bps = try SearchFixture.metricColumn(f, "valid_bits_per_spike")
        for name in ["valid_nll", "samp_valid_nll", "valid_rate_nll", "valid_bits_per_spike", "valid_r2_per_neuron"] {
            #expect(try SearchFixture.metricColumn(f, name).allSatisfy(\.isFinite), "\(name) not finite")
        }

        // The search's own copy of the data keeps the gaps: NaN under a 0 of valid_obs_mask.
        let data = try H5File.open(dir + "/data.h5")
        let counts = try data.readFloat("valid_data").values
        let mask = try data.readUInt8("valid_obs_mask").values
        let missing = mask.filter { $0 == 0 }.count
        #expect(Double(missing) / Double(mask.count) > 0.2 && Double(missing) / Double(mask.count) < 0.4)
        #expect(zip(counts, mask).allSatisfy { $1 == 0 ? $0.isNaN : $0.isFinite })

        for si in 0..<2 {
            let g = "best/size\(si)", row = Int(try #require(try f.int64Attribute("row", on: g)))
            let rates = try f.readFloat("\(g)/valid_rates").values
            #expect(rates.count == counts.count && rates.allSatisfy { $0.isFinite && $0 > 0 }, "rates everywhere, gaps too")
            let observed = Self.score(counts: counts, rates: rates, N: 12) { mask[$0] == 1 }
            #expect(abs(observed.nll - rateNLL[row]) <= 1e-9 * abs(rateNLL[row]), "\(observed.nll) vs row \(rateNLL[row])")
            #expect(abs(observed.bps - bps[row]) <= 1e-9 * abs(bps[row]) + 1e-12, "\(observed.bps) vs row \(bps[row])")
            // Scoring the gaps as zero counts would give another number: the check above can tell.
            let zeros = counts.map { $0.isNaN ? 0 : $0 }
            let all = Self.score(counts: zeros, rates: rates, N: 12) { _ in true }
            #expect(abs(all.nll - rateNLL[row]) > 1e-3 * abs(rateNLL[row]))
        }

        // eval of a selected model on the same file gives its row's numbers.
        let evalOut = SearchFixture.tempDir("sbtt-eval.h5")
        try EvalRun.run(params: dir + "/best/size0/params.h5", data: dir + "/data.h5", out: evalOut,
                        posteriorMean: false, samples: nil, force: false, log: { _ in })
        let evalJSON = try #require(try H5File.open(evalOut).stringAttribute("metrics_json"))
        let em = try #require(try JSONSerialization.jsonObject(with: Data(evalJSON.utf8)) as? [String: Any])
        let row0 = Int(try #require(try f.int64Attribute("row", on: "best/size0")))
        // Equal up to summation order (eval infers the valid trials in its own batches).
        let evalNLL = try #require(em["valid_nll"] as? Double), evalBPS = try #require(em["valid_bits_per_spike"] as? Double)
        #expect(abs(evalNLL - rateNLL[row0]) <= 1e-12 * abs(rateNLL[row0]), "eval \(evalNLL) vs row \(rateNLL[row0])")
        #expect(abs(evalBPS - bps[row0]) <= 1e-10 * abs(bps[row0]), "eval \(evalBPS) vs row \(bps[row0])")

        let out = SearchFixture.tempDir("sbtt-report")
        let summary = try ReportBuilder.run(inputs: [dir], outDir: out, log: { _ in })
        #expect(summary.trialRows == 2 && summary.bestRows > 0)
        for file in ["index.html", "trials.csv", "best_by_size.csv", "history.csv"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file) missing")
        }
        let trials = try String(contentsOfFile: out + "/trials.csv", encoding: .utf8)
            .components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(trials.count == 3)
        let header = trials[0].split(separator: ",", omittingEmptySubsequences: false)
        let c = try #require(header.firstIndex(of: "valid_bits_per_spike"), "\(header)")
        for line in trials.dropFirst() {
            let v = Double(line.split(separator: ",", omittingEmptySubsequences: false)[c])
            #expect(v?.isFinite == true, "bits/spike in trials.csv: \(line)")
        }
    }
}
