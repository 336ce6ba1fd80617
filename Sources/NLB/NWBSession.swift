import Foundation
import Store

/// What `prepare nwb` needs from an NLB-style NWB file (docs/real-data.md §1), read through HDF5
/// directly: the units table, the trials table and one behaviour TimeSeries.
public struct NWBSession: Sendable {
    public struct Unit: Sendable {
        /// Spike times in seconds, as stored.
        public var spikeTimes: ArraySlice<Double>
        public var heldout: Bool
        /// The table's `id`; nlb_tools orders each group's columns by it.
        public var id: Int64
        /// Observed intervals [start, end) in seconds.
        public var observed: [(Double, Double)]
    }

    /// One column of the trials table: numbers, or text (pynwb writes both).
    public enum Column: Sendable, Equatable {
        case numbers([Double])
        case text([String])
        func key(_ i: Int) -> ConditionValue {
            switch self {
            case .numbers(let v): return .number(v[i])
            case .text(let v): return .text(v[i])
            }
        }
    }

    public var path: String
    public var units: [Unit]
    public var trialCount: Int
    public var startTimes: [Double]
    public var splits: [String]
    public var alignTimes: [Double]
    public var conditionColumns: [Column]
    /// Behaviour samples [time, channels] with their times in seconds.
    public var behavior: [Double]
    public var behaviorChannels: Int
    public var behaviorTimes: [Double]
    /// Whether any unit has obs_intervals (otherwise the recording ends with the last trial).
    public var hasObsIntervals: Bool
    public var lastStopTime: Double

    /// Reads the parts of `path` the preset names; throws one PrepareError naming the file, the path
    /// inside it and the problem.
    public static func read(_ path: String, preset: NLBPreset) throws -> NWBSession {
        let file: H5File
        do { file = try H5File.open(path) } catch let e as StoreError { throw PrepareError(e.description) }
        defer { try? file.close() }
        do {
            return try NWBReader(file: file, path: path).read(preset)
        } catch let e as StoreError {
            throw PrepareError(e.description)
        }
    }
}

/// A condition field's value; sorted as Python sorts (numbers by value, text lexically).
public enum ConditionValue: Hashable, Comparable, Sendable, CustomStringConvertible {
    case number(Double), text(String)
    public var description: String {
        switch self {
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .text(let s): return s
        }
    }
    var isMissing: Bool { if case .number(let d) = self { return d.isNaN }; return false }
}
