import Foundation
import Store

/// Reads an NLB-style NWB file's units table, trials table and behaviour TimeSeries into an
/// `NWBSession`; every refusal names the file, the path inside it and the problem.
struct NWBReader {
    let file: H5File
    let path: String

    func fail(_ object: String, _ problem: String) -> PrepareError { PrepareError(file: path, path: object, problem) }

    func read(_ preset: NLBPreset) throws -> NWBSession {
        let (units, hasObs) = try readUnits()
        let trials = "/intervals/trials"
        guard file.exists(trials) else { throw fail(trials, "no trials table (NLB files keep trials there)") }
        let start = try column1D(trials + "/start_time")
        let stop = try column1D(trials + "/stop_time")
        let K = start.count
        guard file.exists(trials + "/split") else {
            throw fail(trials + "/split", "no 'split' column; NLB marks each trial 'train', 'val' or 'test'")
        }
        let splits = try file.readStrings(trials + "/split")
        let align = try column1D(trials + "/" + preset.alignField, missing: "align field '\(preset.alignField)' not found in the trials table")
        var conditions: [NWBSession.Column] = []
        for field in preset.conditionFields {
            let p = trials + "/" + field
            guard file.exists(p) else { throw fail(p, "condition field '\(field)' not found in the trials table") }
            if case .other("string") = try file.info(p).kind {
                conditions.append(.text(try file.readStrings(p)))
            } else {
                conditions.append(.numbers(try file.readDouble(p).values))
            }
        }
        for (name, n) in [("stop_time", stop.count), ("split", splits.count), (preset.alignField, align.count)]
            + zip(preset.conditionFields, conditions.map { c -> Int in
                switch c { case .numbers(let v): return v.count; case .text(let v): return v.count } }) where n != K {
            throw fail(trials + "/" + name, "has \(n) rows but start_time has \(K)")
        }
        if let r = stop.indices.first(where: { !(stop[$0] >= 0 && stop[$0] < 1e9) }) {
            throw fail(trials + "/stop_time", "row \(r) is \(stop[r]); expected a time in seconds from 0")
        }
        let (values, channels, times) = try readBehavior(preset.behaviorField)
        return NWBSession(path: path, units: units, trialCount: K, startTimes: start, splits: splits, alignTimes: align,
                          conditionColumns: conditions, behavior: values, behaviorChannels: channels,
                          behaviorTimes: times, hasObsIntervals: hasObs, lastStopTime: stop.last ?? 0)
    }

    private func column1D(_ p: String, missing: String? = nil) throws -> [Double] {
        guard file.exists(p) else { throw fail(p, missing ?? "not found") }
        let (shape, values) = try file.readDouble(p)
        guard shape.count == 1 else { throw fail(p, "must be 1-D, got shape \(shape)") }
        return values
    }

    // MARK: - Units

    /// Each unit's spikes from the ragged `spike_times` column: `spike_times_index[i]` is the end
    /// offset of unit i's spikes, so it must not decrease and must stay within the data.
    private func readUnits() throws -> ([NWBSession.Unit], Bool) {
        let u = "/units"
        guard file.exists(u) else { throw fail(u, "no units table (NLB files keep sorted units there)") }
        let times = try column1D(u + "/spike_times", missing: "no spike_times column in the units table")
        let index = try ragged(u + "/spike_times_index", dataCount: times.count)
        let heldoutPath = u + "/heldout"
        guard file.exists(heldoutPath) else { throw fail(heldoutPath, "no 'heldout' column in the units table") }
        let heldout = try file.readBools(heldoutPath)
        guard heldout.count == index.count else {
            throw fail(heldoutPath, "has \(heldout.count) rows but spike_times_index has \(index.count)")
        }
        var intervals = [[(Double, Double)]](repeating: [], count: index.count)
        let hasObs = file.exists(u + "/obs_intervals")
        if hasObs {
            let (shape, values) = try file.readDouble(u + "/obs_intervals")
            guard shape.count == 2, shape[1] == 2 else {
                throw fail(u + "/obs_intervals", "must be [intervals, 2] (start, end), got shape \(shape)")
            }
            let ends = try ragged(u + "/obs_intervals_index", dataCount: shape[0])
            guard ends.count == index.count else {
                throw fail(u + "/obs_intervals_index", "has \(ends.count) rows but spike_times_index has \(index.count)")
            }
            // Times past 10^9 s (32 years), negative or NaN are no recording's; refuse them here.
            if let i = values.indices.first(where: { !(values[$0] >= 0 && values[$0] < 1e9) }) {
                throw fail(u + "/obs_intervals", "holds \(values[i]) at [\(i / 2),\(i % 2)]; expected times in seconds from 0")
            }
            var begin = 0
            for (i, end) in ends.enumerated() {
                intervals[i] = (begin..<end).map { (values[2 * $0], values[2 * $0 + 1]) }
                begin = end
            }
        }
        let ids = file.exists(u + "/id") ? try file.readInt64(u + "/id").values : (0..<Int64(index.count)).map { $0 }
        guard ids.count == index.count else {
            throw fail(u + "/id", "has \(ids.count) rows but spike_times_index has \(index.count)")
        }
        var units: [NWBSession.Unit] = []
        var begin = 0
        for (i, end) in index.enumerated() {
            units.append(.init(spikeTimes: times[begin..<end], heldout: heldout[i], id: ids[i], observed: intervals[i]))
            begin = end
        }
        guard !units.isEmpty else { throw fail(u + "/spike_times_index", "the units table has no units") }
        guard units.contains(where: { !$0.heldout }) else { throw fail(heldoutPath, "every unit is held out; nothing is left for the encoder") }
        return (units, hasObs)
    }

    /// A VectorIndex: end offsets into a column of `dataCount` rows, never decreasing.
    private func ragged(_ p: String, dataCount: Int) throws -> [Int] {
        guard file.exists(p) else { throw fail(p, "not found; the ragged column needs its index") }
        let (shape, raw) = try file.readInt64(p)
        guard shape.count == 1 else { throw fail(p, "must be 1-D, got shape \(shape)") }
        var previous: Int64 = 0
        for (i, end) in raw.enumerated() {
            guard end >= previous else {
                throw fail(p, "is not monotone: entry \(i) is \(end) after \(previous) (each entry is the end offset of that row)")
            }
            guard end <= Int64(dataCount) else {
                throw fail(p, "entry \(i) is \(end) but the indexed data has only \(dataCount) values")
            }
            previous = end
        }
        return raw.map { Int($0) }
    }

    // MARK: - Behaviour

    /// The TimeSeries named `field` under /processing (any module) or /acquisition, as nlb_tools
    /// finds them; its times from `timestamps`, or `starting_time` and its `rate` attribute.
    private func readBehavior(_ field: String) throws -> ([Double], Int, [Double]) {
        var candidates = ["/acquisition/" + field]
        for module in file.groupNames(in: "/processing") { candidates.insert("/processing/\(module)/\(field)", at: 0) }
        guard let group = candidates.first(where: { file.exists($0 + "/data") }) else {
            throw fail("/processing/*/\(field)", "behaviour TimeSeries '\(field)' not found under /processing or /acquisition")
        }
        let dataPath = group + "/data"
        let (shape, values) = try file.readDouble(dataPath)
        guard shape.count == 2 else {
            throw fail(dataPath, "behaviour must be 2-D [time, channels], got rank \(shape.count) shape \(shape)")
        }
        let (n, channels) = (shape[0], shape[1])
        guard n > 0, channels > 0 else { throw fail(dataPath, "behaviour is empty, shape \(shape)") }
        var times: [Double]
        if file.exists(group + "/timestamps") {
            times = try column1D(group + "/timestamps")
            guard times.count == n else { throw fail(group + "/timestamps", "has \(times.count) values but data has \(n) rows") }
        } else if file.exists(group + "/starting_time") {
            let t0 = try file.readDouble(group + "/starting_time").values.first ?? 0
            guard let rate = try file.doubleAttribute("rate", on: group + "/starting_time"), rate > 0, rate.isFinite else {
                throw fail(group + "/starting_time", "needs a positive 'rate' attribute (Hz)")
            }
            times = (0..<n).map { Double($0) / rate + t0 }
        } else {
            throw fail(group, "TimeSeries has neither 'timestamps' nor 'starting_time'")
        }
        return (values, channels, times)
    }
}
