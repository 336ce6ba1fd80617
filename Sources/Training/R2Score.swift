import Foundation

extension Metrics {
    /// scikit-learn's `r2_score(y, p)` on [rows, outputs] arrays with its default uniform average:
    /// per output 1 − SS_res/SS_tot, where an output with SS_tot = 0 scores 1 if predicted exactly,
    /// else 0 (its `force_finite`). nlb_tools scores vel R² and psth R² with it.
    public static func r2Score(truth: [Double], pred: [Double], outputs B: Int) -> Double {
        guard truth.count / B > 0 else { return .nan }
        let scores = sumsOfSquares(truth: truth, pred: pred, columns: B).map { res, tot in
            tot > 0 ? 1 - res / tot : (res == 0 ? 1 : 0)
        }
        return scores.reduce(0, +) / Double(B)
    }

    /// NLB's psth R² (nlb_tools `eval_psth`): per condition with evaluated trials, the mean of their
    /// rates [K, T, N] against `psth` [C, T, N] (condition c of trial k is `conditions[k]`), on the
    /// bins where the PSTH is defined (its first neuron not NaN); conditions × bins stacked as rows
    /// and scored by `r2Score` over the N neurons.
    public static func nlbPSTHR2(psth: [Double], conditionCount C: Int, rates: [Float], conditions: [Int],
                                 T: Int, N: Int) -> Double {
        guard psth.count == C * T * N, rates.count == conditions.count * T * N else { return .nan }
        var truth: [Double] = [], pred: [Double] = []
        for c in 0..<C {
            let trials = conditions.indices.filter { conditions[$0] == c }
            guard !trials.isEmpty else { continue }
            for t in 0..<T where !psth[(c * T + t) * N].isNaN {
                for n in 0..<N {
                    var s = 0.0
                    for k in trials { s += Double(rates[(k * T + t) * N + n]) }
                    pred.append(s / Double(trials.count))
                    truth.append(psth[(c * T + t) * N + n])
                }
            }
        }
        return truth.isEmpty ? .nan : r2Score(truth: truth, pred: pred, outputs: N)
    }
}
