import Foundation
import Store

/// The NLB evaluation targets `prepare nwb` stores beside the counts: behaviour per split over
/// the observed bins, and the smoothed-spike PSTH of each condition (docs/real-data.md).
extension DatasetLoader {
    func loadNLBTargets(into d: inout SpikeDataset) throws {
        let Tobs = d.T - d.forwardBins
        d.nlbDataset = try file.stringAttribute("nlb_dataset")
        let names = ["train_behavior", "valid_behavior"]
        let present = names.map { file.exists($0) }
        if present[0] != present[1] {
            let (have, lack) = present[0] ? (names[0], names[1]) : (names[1], names[0])
            throw fail("'\(have)' is present but '\(lack)' is missing; give both or neither")
        }
        if present[0] {
            var dims: [Int] = []
            for (name, K) in zip(names, [d.trainCount, d.validCount]) {
                let info = try file.info(name)
                guard case .float = info.kind else { throw fail("'\(name)' has type \(info.kind); expected float behaviour") }
                guard info.shape.count == 3 else {
                    throw fail("'\(name)' must be 3-D [trials, observed bins, channels], got rank \(info.shape.count) \(DatasetValidation.shape(info.shape))")
                }
                guard info.shape[0] == K, info.shape[1] == Tobs, info.shape[2] > 0 else {
                    throw fail("'\(name)' shape \(DatasetValidation.shape(info.shape)) does not match \(K) trials × \(Tobs) observed bins × channels")
                }
                dims.append(info.shape[2])
            }
            guard dims[0] == dims[1] else { throw fail("'valid_behavior' has \(dims[1]) channels but 'train_behavior' has \(dims[0])") }
            d.trainBehavior = try file.readDouble(names[0]).values
            d.validBehavior = try file.readDouble(names[1]).values
            d.behaviorDim = dims[0]
            for (name, values) in zip(names, [d.trainBehavior!, d.validBehavior!]) where values.contains(where: \.isInfinite) {
                throw fail("'\(name)' contains an infinite value")
            }
        }
        if file.exists("psth") {
            let info = try file.info("psth")
            guard case .float = info.kind else { throw fail("'psth' has type \(info.kind); expected float") }
            guard info.shape.count == 3, info.shape[1] == Tobs, info.shape[2] == d.N else {
                throw fail("'psth' must be [conditions, \(Tobs) observed bins, \(d.N) neurons], got \(DatasetValidation.shape(info.shape))")
            }
            guard let vc = d.validConditions, let tc = d.trainConditions else {
                throw fail("'psth' needs 'train_condition' and 'valid_condition' to say which PSTH each trial belongs to")
            }
            if let c = (tc + vc).first(where: { $0 >= info.shape[0] }) {
                throw fail("condition \(c) has no PSTH ('psth' holds \(info.shape[0]) conditions)")
            }
            d.psth = try file.readDouble("psth").values
            d.psthConditions = info.shape[0]
        }
    }
}
