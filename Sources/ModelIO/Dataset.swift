import Foundation
import Store

/// Why a data file was refused; the message names the file, the dataset, the offending shape or
/// value and its first index, as in docs/data.md §1.
public struct DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Spike counts of a classic LFADS HDF5 file (docs/data.md §1), validated in full.
/// Arrays are [K, T, N] row-major (trial-major, as stored); truth is in spikes/bin.
public struct SpikeDataset: Sendable {
    /// The path as given, for messages and output metadata.
    public var path: String
    public var trainCount: Int
    public var validCount: Int
    public var T: Int
    public var N: Int
    /// Counts as Float32, exact because every count was checked to be a whole number <= 2^24.
    public var trainCounts: [Float]
    public var validCounts: [Float]
    /// Expected spikes per bin, already divided by conversion_factor; nil without truth.
    public var trainTruth: [Double]?
    public var validTruth: [Double]?
    /// As found in the file (1.0 when absent); kept only for the record, never applied to counts.
    public var conversionFactor: Double
    /// Each trial's position in the full trial list.
    public var trainInds: [Int]
    public var validInds: [Int]
    /// True when the file had no inds and they were made up as 0..<Ktr and Ktr..<Ktr+Kva.
    public var indsSynthesized: Bool
    public var trainConditions: [Int]?
    public var validConditions: [Int]?
    /// NLB evaluation targets (`prepare nwb`): behaviour [K, observed bins, behaviorDim] per split
    /// (NaN where unrecorded), and the PSTHs [psthConditions, observed bins, N] the conditions index.
    public var trainBehavior: [Double]?
    public var validBehavior: [Double]?
    public var behaviorDim = 0
    public var psth: [Double]?
    public var psthConditions = 0
    /// Root attribute `nlb_dataset` (e.g. mc_maze, mc_maze_20): the submission group name.
    public var nlbDataset: String?
    /// Root attribute `bin_ms`, if present.
    public var binMs: Double?
    /// Trailing neuron columns never shown to the encoder (root attribute, default 0).
    public var heldoutNeurons: Int
    /// Trailing bins never shown to the encoder (root attribute, default 0).
    public var forwardBins: Int
    /// Stored element type of the counts ("int64", "float32", ...).
    public var countType: String
    /// External inputs (docs/model.md §16), [K, T, extDim] zero-padded after `extBins`; nil when
    /// the model reads none (ext_input_dim 0).
    public var trainExt: [Float]?
    public var validExt: [Float]?
    public var extDim = 0
    /// Bins the file gave (T_e): T, or T − forward_bins.
    public var extBins = 0
    /// Things the user should know that do not stop loading (ignored datasets, missing factor).
    public var warnings: [String]
    /// Whether heldoutNeurons / forwardBins came from the file, so a config can be checked against them.
    var heldoutFromFile = false
    var forwardFromFile = false

    public init(path: String, T: Int, N: Int, trainCounts: [Float], validCounts: [Float],
                trainTruth: [Double]? = nil, validTruth: [Double]? = nil, conversionFactor: Double = 1,
                trainInds: [Int]? = nil, validInds: [Int]? = nil,
                trainConditions: [Int]? = nil, validConditions: [Int]? = nil,
                binMs: Double? = nil, heldoutNeurons: Int = 0, forwardBins: Int = 0,
                countType: String = "float32", warnings: [String] = []) {
        precondition(T > 0 && N > 0 && trainCounts.count % (T * N) == 0 && validCounts.count % (T * N) == 0,
                     "count arrays must be [K, T, N]")
        self.path = path
        self.T = T
        self.N = N
        self.trainCount = trainCounts.count / (T * N)
        self.validCount = validCounts.count / (T * N)
        self.trainCounts = trainCounts
        self.validCounts = validCounts
        self.trainTruth = trainTruth
        self.validTruth = validTruth
        self.conversionFactor = conversionFactor
        self.indsSynthesized = trainInds == nil
        self.trainInds = trainInds ?? Array(0..<trainCount)
        self.validInds = validInds ?? Array(trainCount..<(trainCount + validCount))
        self.trainConditions = trainConditions
        self.validConditions = validConditions
        self.binMs = binMs
        self.heldoutNeurons = heldoutNeurons
        self.forwardBins = forwardBins
        self.countType = countType
        self.warnings = warnings
    }

    /// Reads and validates `path`; throws one DatasetError for the first rule it breaks.
    /// Reads and validates a data file; `domain` is what the model's `recon` accepts (counts by default).
    /// `missing` (SBTT, docs/model.md §15): NaN, or 0 in `{train,valid}_obs_mask`, marks a missing
    /// element, which is NaN in the loaded counts; without it both are errors.
    /// `extDim` (docs/model.md §16): the external inputs per bin the model reads; > 0 requires them.
    public static func load(path: String, domain: DataDomain = .counts, missing: Bool = false,
                            extDim: Int = 0) throws -> SpikeDataset {
        do {
            let file = try H5File.open(path)
            defer { try? file.close() }
            var loader = DatasetLoader(file: file, domain: domain, missing: missing, extDim: extDim)
            return try loader.load()
        } catch let error as StoreError {
            // Store already words its errors as §1 asks (file, dataset, reason); keep one error type.
            throw DatasetError(error.description)
        }
    }

    /// Number of counts per trial, T*N.
    public var trialSize: Int { T * N }

    /// SHA-256 (hex) of train then valid counts as little-endian int64: identifies the numbers
    /// whatever their stored type, chunking or compression.
    public func dataContentSHA256() -> String {
        var hasher = SHA256Hasher()
        for counts in [trainCounts, validCounts] {
            // In pieces, so hashing a large file does not double its memory.
            var start = 0
            while start < counts.count {
                let end = min(start + 8192, counts.count)
                // A missing element (SBTT, docs/data.md §1) hashes as Int64.min, which no count is.
                let words = counts[start..<end].map { ($0.isNaN ? Int64.min : Int64($0)).littleEndian }
                words.withUnsafeBytes { hasher.update($0) }
                start = end
            }
        }
        return hexString(hasher.finalize())
    }

    /// Bins before the forward bins, and the neuron columns before and from the held-out ones.
    public var observedBins: Range<Int> { 0..<(T - forwardBins) }
    public var heldInColumns: Range<Int> { 0..<(N - heldoutNeurons) }
    public var heldOutColumns: Range<Int> { (N - heldoutNeurons)..<N }

    /// Applies held-out neuron / forward-bin counts from a config; a value that differs from the
    /// file's root attribute is an error, since the two describe the same columns. `conflict`
    /// words that error from (key, given value, file's value); by default the values came from a config.
    public func withHeldout(neurons: Int?, forwardBins bins: Int?,
                            conflict: ((String, Int, Int) -> String)? = nil) throws -> SpikeDataset {
        let message = conflict ?? { key, given, inFile in
            "\(path): config \(key) \(given) conflicts with the file's root attribute \(key) \(inFile)"
        }
        var d = self
        if let neurons {
            if heldoutFromFile && neurons != heldoutNeurons {
                throw DatasetError(message("heldout_neurons", neurons, heldoutNeurons))
            }
            try Self.checkHeldout(neurons: neurons, bins: forwardBins, T: T, N: N, path: path)
            d.heldoutNeurons = neurons
        }
        if let bins {
            if forwardFromFile && bins != forwardBins {
                throw DatasetError(message("forward_bins", bins, forwardBins))
            }
            try Self.checkHeldout(neurons: d.heldoutNeurons, bins: bins, T: T, N: N, path: path)
            d.forwardBins = bins
        }
        if d.extDim > 0 && d.extBins != T && d.extBins != T - d.forwardBins {
            throw DatasetError("\(path): 'train_ext_input' has \(d.extBins) bins; expected T = \(T) or T − forward_bins = \(T - d.forwardBins)")
        }
        return d
    }

    static func checkHeldout(neurons: Int, bins: Int, T: Int, N: Int, path: String) throws {
        guard neurons >= 0 else { throw DatasetError("\(path): heldout_neurons must be >= 0, got \(neurons)") }
        guard bins >= 0 else { throw DatasetError("\(path): forward_bins must be >= 0, got \(bins)") }
        guard neurons < N else {
            throw DatasetError("\(path): heldout_neurons \(neurons) leaves no held-in neuron (N = \(N))")
        }
        guard bins < T else { throw DatasetError("\(path): forward_bins \(bins) leaves no observed bin (T = \(T))") }
    }
}
