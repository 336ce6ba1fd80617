import Foundation
import Store

/// Reads one classic LFADS file: shapes and types first, then the small metadata, then the
/// large arrays, so most mistakes are reported before gigabytes are read.
struct DatasetLoader {
    let file: H5File
    let domain: DataDomain
    /// SBTT (docs/model.md §15): NaN and `*_obs_mask` mark missing elements.
    let missing: Bool
    /// `ext_input_dim` (docs/model.md §16): 0 ignores `*_ext_input` with a warning, E > 0 needs them.
    let extDim: Int
    var path: String { file.path }
    private var warnings: [String] = []

    init(file: H5File, domain: DataDomain = .counts, missing: Bool = false, extDim: Int = 0) {
        self.file = file; self.domain = domain; self.missing = missing; self.extDim = extDim
    }

    mutating func load() throws -> SpikeDataset {
        let rootNames = file.datasetNames(in: "/")
        for name in ["train_data", "valid_data"] where !rootNames.contains(name) {
            let present = rootNames + file.groupNames(in: "/").map { $0 + "/" }
            throw fail("required dataset '\(name)' not found (present: \(present.isEmpty ? "none" : present.joined(separator: ", ")))")
        }
        let train = try countInfo("train_data")
        let valid = try countInfo("valid_data")
        if valid.shape[1] != train.shape[1] {
            throw fail("'valid_data' has \(valid.shape[1]) bins but 'train_data' has \(train.shape[1])")
        }
        if valid.shape[2] != train.shape[2] {
            throw fail("'valid_data' has \(valid.shape[2]) neurons but 'train_data' has \(train.shape[2])")
        }
        let (kTrain, kValid, T, N) = (train.shape[0], valid.shape[0], train.shape[1], train.shape[2])

        warnUnsupported(rootNames + file.groupNames(in: "/"))
        let binMs = try file.doubleAttribute("bin_ms")
        if let binMs, !(binMs.isFinite && binMs > 0) {
            throw fail("root attribute bin_ms must be positive and finite, got \(DatasetValidation.format(binMs))")
        }
        let heldout = try file.int64Attribute("heldout_neurons").map { Int($0) }
        let forward = try file.int64Attribute("forward_bins").map { Int($0) }
        try SpikeDataset.checkHeldout(neurons: heldout ?? 0, bins: forward ?? 0, T: T, N: N, path: path)
        let factor = try conversionFactor()
        let hasTruth = rootNames.contains("train_truth") || rootNames.contains("valid_truth")
        if hasTruth && factor == nil {
            warnings.append("\(path): truth present but no conversion_factor; assuming 1.0 (truth already in spikes/bin)")
        }

        let inds = try pairedLabels(["train_inds", "valid_inds"], counts: [kTrain, kValid], unique: true)
        if let inds { try DatasetValidation.disjoint(train: inds.0, valid: inds.1, file: path) }
        let conditions = try pairedLabels([conditionName("train"), conditionName("valid")],
                                          counts: [kTrain, kValid], unique: false)

        let trainCounts = try counts("train_data", train)
        let validCounts = try counts("valid_data", valid)
        let trainTruth = try truth("train_truth", data: train, factor: factor ?? 1)
        let validTruth = try truth("valid_truth", data: valid, factor: factor ?? 1)
        let ext = try externalInputs(E: extDim, train: train, valid: valid)

        var d = SpikeDataset(
            path: path, T: T, N: N, trainCounts: trainCounts, validCounts: validCounts,
            trainTruth: trainTruth, validTruth: validTruth, conversionFactor: factor ?? 1,
            trainInds: inds?.0, validInds: inds?.1, trainConditions: conditions?.0, validConditions: conditions?.1,
            binMs: binMs, heldoutNeurons: heldout ?? 0, forwardBins: forward ?? 0,
            countType: train.kind.description, warnings: warnings)
        if let ext { d.trainExt = ext.train; d.validExt = ext.valid; d.extDim = extDim; d.extBins = ext.bins }
        try loadNLBTargets(into: &d)
        d.heldoutFromFile = heldout != nil
        d.forwardFromFile = forward != nil
        return d
    }

    // MARK: - Counts

    /// Type and shape of a counts array: integer or 32/64-bit float, rank 3, no empty axis.
    private func countInfo(_ name: String) throws -> DatasetInfo {
        let info = try file.info(name)
        if case .other(let type) = info.kind {
            throw fail("'\(name)' has type \(type); expected integer or float counts")
        }
        guard info.shape.count == 3 else {
            throw fail("'\(name)' must be 3-D [trials,time,neurons], got \(DatasetValidation.shape(info.shape))")
        }
        if info.shape[0] == 0 { throw fail("'\(name)' has 0 trials") }
        if info.shape[1] == 0 { throw fail("'\(name)' has T = 0 bins") }
        if info.shape[2] == 0 { throw fail("'\(name)' has N = 0 neurons") }
        return info
    }

    /// Reads counts through Double, which holds every integer the checks accept (and the first
    /// 2^53 exactly), so no stored type can slip past them by rounding.
    /// With SBTT, elements the split's `*_obs_mask` marks 0 become NaN before the checks, which
    /// then pass over every NaN: only observed elements are checked (docs/data.md §1).
    private func counts(_ name: String, _ info: DatasetInfo) throws -> [Float] {
        var (shape, values) = try file.readDouble(name)
        let maskName = name.replacingOccurrences(of: "_data", with: "_obs_mask")
        if file.exists(maskName) {
            guard missing else { throw fail("'\(maskName)' marks missing elements, which needs sbtt: 1 in the hyperparameters") }
            let maskInfo = try file.info(maskName)
            guard maskInfo.shape == info.shape else {
                throw fail("'\(maskName)' shape \(DatasetValidation.shape(maskInfo.shape)) differs from '\(name)' \(DatasetValidation.shape(info.shape))")
            }
            let mask = try file.readDouble(maskName).values
            for i in values.indices {
                switch mask[i] {
                case 0: values[i] = .nan
                case 1:
                    if values[i].isNaN {
                        throw fail("'\(name)' is NaN at \(DatasetValidation.index(i, shape)) where '\(maskName)' says observed (1)")
                    }
                default:
                    throw fail("'\(maskName)' holds \(DatasetValidation.format(mask[i])) at \(DatasetValidation.index(i, shape)); expected 0 (missing) or 1 (observed)")
                }
            }
        }
        if domain != .counts {
            return try DatasetValidation.values(values, shape: shape, domain: domain, dataset: name, file: path,
                                                missing: missing)
        }
        return try DatasetValidation.counts(values, shape: shape, kind: info.kind, dataset: name, file: path,
                                            missing: missing)
    }

    // MARK: - Truth and conversion factor

    /// Truth of one split in spikes/bin, or nil if the file has none.
    private func truth(_ name: String, data: DatasetInfo, factor: Double) throws -> [Double]? {
        guard file.exists(name) else { return nil }
        let dataName = name.hasPrefix("train") ? "train_data" : "valid_data"
        let info = try file.info(name)
        guard case .float = info.kind else { throw fail("'\(name)' has type \(info.kind); expected float truth") }
        guard info.shape == data.shape else {
            throw fail("'\(name)' shape \(DatasetValidation.shape(info.shape)) differs from '\(dataName)' \(DatasetValidation.shape(data.shape))")
        }
        let (shape, values) = try file.readDouble(name)
        try DatasetValidation.truth(values, shape: shape, dataset: name, file: path, allowNegative: domain == .real)
        return factor == 1 ? values : values.map { $0 / factor }
    }

    /// The factor from the scalar dataset and/or root attribute; nil when neither exists.
    private func conversionFactor() throws -> Double? {
        var fromDataset: Double?
        if file.exists("conversion_factor") {
            let info = try file.info("conversion_factor")
            if case .other(let type) = info.kind { throw fail("'conversion_factor' has type \(type); expected a number") }
            guard info.count == 1 else {
                throw fail("'conversion_factor' must be a single number, got shape \(DatasetValidation.shape(info.shape))")
            }
            let value = try file.readDouble("conversion_factor").values[0]
            try DatasetValidation.conversionFactor(value, source: "dataset 'conversion_factor'", file: path)
            fromDataset = value
        }
        guard let fromAttribute = try file.doubleAttribute("conversion_factor") else { return fromDataset }
        try DatasetValidation.conversionFactor(fromAttribute, source: "root attribute", file: path)
        guard let fromDataset else { return fromAttribute }
        // Relative tolerance: a float32 dataset next to a float64 attribute is the same factor.
        let scale = max(abs(fromDataset), abs(fromAttribute))
        guard abs(fromDataset - fromAttribute) <= 1e-6 * scale else {
            throw fail("conversion_factor dataset (\(fromDataset)) and root attribute (\(fromAttribute)) disagree")
        }
        return fromDataset
    }

    // MARK: - Inds and conditions

    /// `train_condition`, or its classic alias `condition_labels_train` when only that exists.
    private mutating func conditionName(_ split: String) -> String {
        let name = "\(split)_condition", alias = "condition_labels_\(split)"
        if file.exists(name) {
            if file.exists(alias) { warnings.append("\(path): both '\(name)' and '\(alias)' present; using '\(name)'") }
            return name
        }
        return file.exists(alias) ? alias : name
    }

    /// Both arrays of a train/valid pair, or nil when neither exists; one without the other is an
    /// error, since the missing half could not be made consistent with the present one.
    private func pairedLabels(_ names: [String], counts: [Int], unique: Bool) throws -> ([Int], [Int])? {
        let present = names.map { file.exists($0) }
        guard present[0] || present[1] else { return nil }
        guard present[0] && present[1] else {
            let (have, lack) = present[0] ? (names[0], names[1]) : (names[1], names[0])
            throw fail("'\(have)' is present but '\(lack)' is missing; give both or neither")
        }
        let values = try zip(names, counts).map { name, k in try labels(name, count: k, unique: unique) }
        return (values[0], values[1])
    }

    private func labels(_ name: String, count: Int, unique: Bool) throws -> [Int] {
        let info = try file.info(name)
        guard info.shape.count == 1 else {
            throw fail("'\(name)' must be 1-D, got \(DatasetValidation.shape(info.shape))")
        }
        guard case .integer = info.kind else { throw fail("'\(name)' has type \(info.kind); expected integers") }
        let dataName = name.contains("train") ? "train_data" : "valid_data"
        guard info.shape[0] == count else {
            throw fail("'\(name)' has \(info.shape[0]) values but '\(dataName)' has \(count) trials")
        }
        return try DatasetValidation.labels(file.readInt64(name).values, dataset: name, unique: unique, file: path)
    }

    // MARK: - Helpers

    private mutating func warnUnsupported(_ names: [String]) {
        for name in names where name.hasPrefix("alignment_") {
            // TF's read-in alignment is read by PCRReadin, for a stitched model only.
            warnings.append(name == "alignment_matrix_cxf" || name == "alignment_bias_c"
                ? "\(path): '\(name)' is used only by a stitched model with readin_init: pcr, ignored otherwise"
                : "\(path): '\(name)' is not supported, ignored")
        }
        for name in names where name.hasSuffix("_ext_input") && extDim == 0 {
            warnings.append("\(path): '\(name)' ignored: ext_input_dim is 0 (set it to the inputs per bin to use them)")
        }
    }

    func fail(_ message: String) -> DatasetError { DatasetValidation.error(path, message) }
}
