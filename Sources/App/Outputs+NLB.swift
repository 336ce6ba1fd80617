import Foundation
import ModelIO
import Training
import Vocabulary

/// NLB's vel R² and psth R² (docs/real-data.md), for data `prepare nwb` made: rates over the
/// observed bins, held-in then held-out columns, as nlb_tools concatenates them.
extension Outputs {
    /// `trainRates` are those of the train trials at `trainPositions` (a search size's subset;
    /// all train trials when nil): the decoder is fitted on them, as NLB fits it on a scaling
    /// dataset's own training trials.
    package static func nlbMetrics(trainRates: [Float], trainPositions: [Int]? = nil, validRates: [Float],
                           dataset d: SpikeDataset) -> [String: Double] {
        var m: [String: Double] = [:]
        let Tobs = d.T - d.forwardBins
        if var tb = d.trainBehavior, let vb = d.validBehavior {
            let rows = trainPositions ?? Array(0..<d.trainCount), size = Tobs * d.behaviorDim
            if trainPositions != nil { tb = rows.flatMap { tb[($0 * size)..<(($0 + 1) * size)] } }
            m[.validVelR2] = RidgeDecoding.velocityR2(
                trainRates: observed(trainRates, K: rows.count, d).map(Double.init), trainBehavior: tb,
                evalRates: observed(validRates, K: d.validCount, d).map(Double.init), evalBehavior: vb,
                features: d.N, outputs: d.behaviorDim)
        }
        if let psth = d.psth, let vc = d.validConditions {
            m[.validPsthR2] = Metrics.nlbPSTHR2(psth: psth, conditionCount: d.psthConditions,
                                                   rates: observed(validRates, K: d.validCount, d), conditions: vc, T: Tobs, N: d.N)
        }
        return m
    }

    /// The observed bins [K, T − forward, N] of [K, T, N] values.
    static func observed(_ values: [Float], K: Int, _ d: SpikeDataset) -> [Float] {
        guard d.forwardBins > 0 else { return values }
        let Tobs = d.T - d.forwardBins
        var out: [Float] = []
        out.reserveCapacity(K * Tobs * d.N)
        for k in 0..<K { out += values[(k * d.T * d.N)..<((k * d.T + Tobs) * d.N)] }
        return out
    }
}
