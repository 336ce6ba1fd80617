import Foundation
import LFADS

/// One row of the results table: a random-search trial, or one PBT member in one generation.
public struct TrialRecord: Codable, Sendable, Equatable {
    public var row: Int
    public var sizeIndex: Int
    /// Random search: the trial number within its size; PBT: the member.
    public var trial: Int
    public var generation: Int
    public var seed: Int
    /// PBT: the member whose weights and optimizer state this row started from (−1: its own / fresh).
    public var parent: Int
    public var status: TrialStatus
    /// Values of the searched hyperparameters.
    public var hps: [String: Double]
    public var metrics: [String: Double]
    /// Per-epoch history rows (EpochRecord.values).
    public var history: [[Double]]
    public var notes: [String]
    /// Asynchronous PBT: the row whose state file this row started from (nil: fresh, or sync PBT,
    /// where it follows from `generation` and `parent`).
    public var startRow: Int?
    /// Asynchronous PBT: this row's place (0, 1, …) in the order the coordinator recorded results,
    /// on which its decisions depend (docs/search.md §4).
    public var completedAs: Int?

    public init(row: Int, sizeIndex: Int, trial: Int, generation: Int, seed: Int, parent: Int, hps: [String: Double]) {
        self.row = row; self.sizeIndex = sizeIndex; self.trial = trial; self.generation = generation
        self.seed = seed; self.parent = parent; self.hps = hps
        status = .pending; metrics = [:]; history = []; notes = []
    }
}

public enum TrialStatus: String, Codable, Sendable, CaseIterable {
    case pending, running, completed, diverged, failed
    public var code: Int { Self.allCases.firstIndex(of: self)! }
}

/// What a model group is asked to do.
public struct WorkItem: Sendable, Equatable {
    public var row: Int
    public var sizeIndex: Int
    public var hp: Hyperparameters
    /// Epochs to run (PBT: one generation); nil = until a stop rule (random search).
    public var epochs: Int?
    /// PBT: the state file to start from (nil: fresh initialisation).
    public var startState: String?
    /// Where the worker leaves the resulting state (PBT) or selected parameters (random search).
    public var outputState: String
}

/// What a model group reports back.
public struct WorkResult: Sendable, Equatable, Codable {
    public var row: Int
    public var status: TrialStatus
    public var metrics: [String: Double]
    public var history: [[Double]]
    public var detail: String
    public init(row: Int, status: TrialStatus, metrics: [String: Double], history: [[Double]], detail: String) {
        self.row = row; self.status = status; self.metrics = metrics; self.history = history; self.detail = detail
    }
}

extension WorkItem: Codable {
    enum CodingKeys: String, CodingKey { case row, sizeIndex, hps, epochs, startState, outputState }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        row = try c.decode(Int.self, forKey: .row)
        sizeIndex = try c.decode(Int.self, forKey: .sizeIndex)
        hp = try Hyperparameters(json: try c.decode(String.self, forKey: .hps))
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs)
        startState = try c.decodeIfPresent(String.self, forKey: .startState)
        outputState = try c.decode(String.self, forKey: .outputState)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(row, forKey: .row); try c.encode(sizeIndex, forKey: .sizeIndex)
        try c.encode(hp.jsonString(), forKey: .hps); try c.encodeIfPresent(epochs, forKey: .epochs)
        try c.encodeIfPresent(startState, forKey: .startState); try c.encode(outputState, forKey: .outputState)
    }
}

/// JSON with non-finite numbers as strings, for checkpoints and messages.
public enum SearchJSON {
    public static func encode<T: Encodable>(_ v: T) throws -> Data {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try e.encode(v)
    }
    public static func decode<T: Decodable>(_ t: T.Type, from d: Data) throws -> T {
        let dec = JSONDecoder()
        dec.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try dec.decode(t, from: d)
    }
}
