import Foundation
import Store

/// `spikesae prepare nwb`: an NLB-style NWB file to a SpikeSAE training file in the classic
/// layout, binned and windowed as nlb_tools does (docs/real-data.md).
public enum PrepareNWB {
    /// What was written, for the command's summary.
    public struct Summary: Sendable {
        public var trainTrials: Int, validTrials: Int, heldin: Int, heldout: Int
        public var observedBins: Int, forwardBins: Int, conditions: Int
        public var notes: [String]
    }

    /// The tensors of one split: counts [K, T+F, N], behaviour [K, T, B], conditions, table rows.
    struct Split {
        var rows: [Int] = [], firstBins: [Int] = []
        var counts: [Double] = [], behavior: [Double] = [], conditions: [Int] = []
    }

    public static func run(nwb: String, preset p: NLBPreset, out: String, command: String) throws -> Summary {
        let preset = try p.validated()
        let s = try NWBSession.read(nwb, preset: preset)
        let grid = SessionGrid(s, binMs: preset.binMs)
        let trials = "/intervals/trials"
        var notes: [String] = []

        // Columns: held-in units then held-out units, each group in the order of its `id` (nlb_tools sorts them so).
        let order = { (held: Bool) in s.units.indices.filter { s.units[$0].heldout == held }.sorted { s.units[$0].id < s.units[$1].id } }
        let unitOrder = order(false) + order(true)
        let heldout = order(true).count

        // Trial selection: table order within each split; NaN align times are skipped and counted.
        var rowsBySplit: [String: [Int]] = [:], nanAlign: [String: Int] = [:]
        for r in 0..<s.trialCount {
            if s.alignTimes[r].isNaN { nanAlign[s.splits[r], default: 0] += 1; continue }
            rowsBySplit[s.splits[r], default: []].append(r)
        }
        for (split, n) in nanAlign.sorted(by: { $0.key < $1.key }) where n > 0 {
            notes.append("warning: \(nwb): '\(trials)/\(preset.alignField)': \(n) '\(split)' trial(s) have a NaN align time and were skipped")
        }
        for split in ["train", "val"] where (rowsBySplit[split] ?? []).isEmpty {
            let skipped = nanAlign[split].map { " (\($0) skipped for a NaN align time)" } ?? ""
            throw PrepareError(file: nwb, path: trials + "/split", "no trial of split '\(split)'\(skipped); found: \(Set(s.splits).sorted().joined(separator: ", "))")
        }
        if let test = rowsBySplit["test"], !test.isEmpty {
            notes.append("note: \(test.count) 'test' trial(s) have no held-out data and were skipped")
        }

        // Conditions: sorted unique values of the condition fields over train and val trials.
        let keyOf = { (r: Int) in s.conditionColumns.map { $0.key(r) } }
        let pool = (rowsBySplit["train"] ?? []) + (rowsBySplit["val"] ?? [])
        let combos = Array(Set(pool.map(keyOf).filter { !$0.contains(where: \.isMissing) }))
            .sorted { $0.lexicographicallyPrecedes($1) }
        let comboIndex = Dictionary(uniqueKeysWithValues: combos.enumerated().map { ($1, $0) })

        let T = preset.observedBins, F = preset.forwardBins, N = unitOrder.count, B = s.behaviorChannels
        let behavior = try grid.behaviorOnBins()
        func build(_ split: String) throws -> Split {
            var out = Split()
            for r in rowsBySplit[split] ?? [] {
                let first = grid.firstBin(alignSeconds: s.alignTimes[r], offsetMs: preset.windowStartMs)
                guard first >= 0, first + T + F <= grid.binCount else {
                    throw PrepareError(file: nwb, path: trials + "/" + preset.alignField,
                        "trial row \(r): window \(preset.windowStartMs)…\(preset.windowEndMs + preset.forwardMs) ms around \(s.alignTimes[r]) s leaves the recording (0…\(Double(grid.msCount) / 1000) s)")
                }
                for t in 0..<(T + F) {
                    for u in unitOrder {
                        guard let c = grid.count(unit: u, bin: first + t) else {
                            throw PrepareError(file: nwb, path: "/units/obs_intervals",
                                "trial row \(r): bin \(t) of its window is outside unit \(s.units[u].id)'s observed intervals")
                        }
                        out.counts.append(c)
                    }
                }
                let bfirst = grid.firstBin(alignSeconds: s.alignTimes[r], offsetMs: preset.windowStartMs + preset.lagMs)
                for t in 0..<T {
                    let b = bfirst + t
                    for c in 0..<B { out.behavior.append(b >= 0 && b < grid.binCount ? behavior[b * B + c] : .nan) }
                }
                out.rows.append(r)
                out.firstBins.append(first)
                out.conditions.append(comboIndex[keyOf(r)] ?? -1)
            }
            return out
        }
        let train = try build("train"), valid = try build("val")
        // A trial without a condition value has no PSTH to be scored against; then no condition
        // labels or PSTHs are written (psth R² needs every trial labelled).
        let unlabelled = (train.conditions + valid.conditions).filter { $0 < 0 }.count
        if unlabelled > 0 {
            notes.append("warning: \(nwb): '\(trials)/\(preset.conditionFields.joined(separator: "', '"))': \(unlabelled) train/val trial(s) have no condition value; no conditions or PSTHs written (psth R² unavailable)")
        }

        let psthMaker = SmoothedPSTH(grid: grid, sdMs: preset.psthKernelSdMs)
        var byCondition = [[Int]](repeating: [], count: combos.count)
        for split in [train, valid] { for (c, f) in zip(split.conditions, split.firstBins) where c >= 0 { byCondition[c].append(f) } }
        let psth = psthMaker.psth(trialsByCondition: byCondition, T: T, unitOrder: unitOrder)

        try H5File.writeAtomically(to: out) { f in
            for (name, split) in [("train", train), ("valid", valid)] {
                let K = split.rows.count
                try f.write("\(name)_data", shape: [K, T + F, N], doubles: split.counts, storedAs: .int32, compress: true)
                try f.write("\(name)_behavior", shape: [K, T, B], doubles: split.behavior, compress: true)
                try f.write("\(name)_inds", shape: [K], int64s: split.rows.map(Int64.init))
                if unlabelled == 0 {
                    try f.write("\(name)_condition", shape: [K], int64s: split.conditions.map(Int64.init))
                }
            }
            if unlabelled == 0 { try f.write("psth", shape: [combos.count, T, N], doubles: psth, compress: true) }
            try f.setAttribute("heldout_neurons", int64: Int64(heldout))
            try f.setAttribute("forward_bins", int64: Int64(F))
            try f.setAttribute("bin_ms", double: Double(preset.binMs))
            try f.setAttribute("source_file", string: nwb)
            try f.setAttribute("preset", string: preset.name)
            try f.setAttribute("nlb_dataset", string: preset.submissionGroup)
            try f.setAttribute("align_field", string: preset.alignField)
            try f.setAttribute("window_ms", string: "\(preset.windowStartMs) \(preset.windowEndMs)")
            try f.setAttribute("forward_ms", int64: Int64(preset.forwardMs))
            try f.setAttribute("behavior_lag_ms", int64: Int64(preset.lagMs))
            try f.setAttribute("behavior_field", string: preset.behaviorField)
            try f.setAttribute("psth_kernel_sd_ms", double: preset.psthKernelSdMs)
            try f.setAttribute("condition_fields", string: preset.conditionFields.joined(separator: " "))
            try f.setAttribute("condition_values", string: combos.map { "(" + $0.map(\.description).joined(separator: ", ") + ")" }.joined(separator: " "))
            try f.setAttribute("inds_meaning", string: "row of the NWB trials table")
            try f.setAttribute("command", string: command)
        }
        return Summary(trainTrials: train.rows.count, validTrials: valid.rows.count, heldin: N - heldout, heldout: heldout,
                       observedBins: T, forwardBins: F, conditions: combos.count, notes: notes)
    }
}
