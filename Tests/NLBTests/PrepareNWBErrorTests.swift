import Foundation
import Testing
import ModelIO
import Store
@testable import NLB

/// Every bad input of `prepare nwb` gets one message naming the file, the path inside it and the
/// problem, and leaves no output file behind.
struct PrepareNWBErrorTests {
    let dir: ScratchDirectory
    init() throws { dir = try ScratchDirectory() }
    var out: String { dir.file("out.h5") }

    /// The message of the error `prepare` throws on `nwb`; checks nothing was written.
    func message(_ nwb: String, _ preset: NLBPreset = .mcMaze) -> String? {
        defer { #expect(dir.contents.allSatisfy { $0.hasSuffix(".nwb") }, "left behind: \(dir.contents)") }
        do {
            _ = try PrepareNWB.run(nwb: nwb, preset: preset, out: out, command: "test")
            return nil
        } catch { return "\(error)" }
    }

    @Test func noUnitsTable() throws {
        let p = try dir.editedNWB { try $0.remove("/units") }
        #expect(message(p) == "\(p): '/units': no units table (NLB files keep sorted units there)")
    }

    @Test func spikeTimesIndexNotMonotone() throws {
        let p = try dir.editedNWB { f in
            var index = try f.readInt64("/units/spike_times_index").values
            index[3] = 100
            try f.write("/units/spike_times_index", shape: [index.count], int64s: index, replace: true)
        }
        #expect(message(p) == "\(p): '/units/spike_times_index': is not monotone: entry 3 is 100 after 6257 (each entry is the end offset of that row)")
    }

    @Test func spikeTimesIndexOverrunsTheData() throws {
        let p = try dir.editedNWB { f in
            var index = try f.readInt64("/units/spike_times_index").values
            index[index.count - 1] = 60000
            try f.write("/units/spike_times_index", shape: [index.count], int64s: index, replace: true)
        }
        #expect(message(p) == "\(p): '/units/spike_times_index': entry 29 is 60000 but the indexed data has only 51875 values")
    }

    /// Times no recording has are refused where they are read, never turned into a crash.
    @Test func timesThatAreNoRecordings() throws {
        let p = try dir.editedNWB { f in
            var v = try f.readDouble("/units/obs_intervals").values
            v[7] = .nan
            try f.write("/units/obs_intervals", shape: [30, 2], doubles: v, replace: true)
        }
        #expect(message(p) == "\(p): '/units/obs_intervals': holds nan at [3,1]; expected times in seconds from 0")
        try FileManager.default.removeItem(atPath: p)
        let q = try dir.editedNWB { f in
            var v = try f.readDouble("/units/spike_times").values
            v[0] = 1e300
            var onset = try f.readDouble("/intervals/trials/move_onset_time").values
            onset[2] = 1e300
            try f.write("/units/spike_times", shape: [v.count], doubles: v, replace: true)
            try f.write("/intervals/trials/move_onset_time", shape: [onset.count], doubles: onset, replace: true)
        }
        #expect(message(q) == "\(q): '/intervals/trials/move_onset_time': trial row 2: window -250…650 ms around 1e+300 s leaves the recording (0…144.2 s)")
    }

    @Test func noTrialsTable() throws {
        let p = try dir.editedNWB { try $0.remove("/intervals/trials") }
        #expect(message(p) == "\(p): '/intervals/trials': no trials table (NLB files keep trials there)")
    }

    @Test func noSplitColumn() throws {
        let p = try dir.editedNWB { try $0.remove("/intervals/trials/split") }
        #expect(message(p) == "\(p): '/intervals/trials/split': no 'split' column; NLB marks each trial 'train', 'val' or 'test'")
    }

    /// NaN align times are skipped and counted; a split left with no trial is an error.
    @Test func nanAlignTimesAreSkippedAndCounted() throws {
        let trainNaN = try dir.editedNWB { f in
            var onset = try f.readDouble("/intervals/trials/move_onset_time").values
            for r in [1, 3, 5] { onset[r] = .nan }  // rows 1, 3, 5 are 'train'
            try f.write("/intervals/trials/move_onset_time", shape: [onset.count], doubles: onset, replace: true)
        }
        let s = try PrepareNWB.run(nwb: trainNaN, preset: .mcMaze, out: out, command: "test")
        #expect(s.trainTrials == 88 && s.validTrials == 29)
        #expect(s.notes == ["warning: \(trainNaN): '/intervals/trials/move_onset_time': 3 'train' trial(s) have a NaN align time and were skipped"])
        try FileManager.default.removeItem(atPath: out)
        try FileManager.default.removeItem(atPath: trainNaN)

        let noVal = try dir.editedNWB { f in
            let split = try f.readStrings("/intervals/trials/split")
            var onset = try f.readDouble("/intervals/trials/move_onset_time").values
            for r in split.indices where split[r] == "val" { onset[r] = .nan }
            try f.write("/intervals/trials/move_onset_time", shape: [onset.count], doubles: onset, replace: true)
        }
        #expect(message(noVal) == "\(noVal): '/intervals/trials/split': no trial of split 'val' (29 skipped for a NaN align time); found: train, val")
    }

    /// A trial without a condition value leaves psth R² unavailable, said in a warning; the file
    /// still loads and trains.
    @Test func trialsWithoutACondition() throws {
        let p = try dir.editedNWB { f in
            var v = try f.readDouble("/intervals/trials/trial_type").values
            v[4] = .nan
            try f.write("/intervals/trials/trial_type", shape: [v.count], doubles: v, replace: true)
        }
        let s = try PrepareNWB.run(nwb: p, preset: .mcMaze, out: out, command: "test")
        #expect(s.notes == ["warning: \(p): '/intervals/trials/trial_type', 'trial_version': 1 train/val trial(s) have no condition value; no conditions or PSTHs written (psth R² unavailable)"])
        let f = try H5File.open(out)
        #expect(!f.exists("psth") && !f.exists("valid_condition") && f.exists("valid_behavior"))
        let d = try SpikeDataset.load(path: out)
        #expect(d.psth == nil && d.validBehavior != nil)
    }

    @Test func missingAlignField() throws {
        var preset = NLBPreset.mcMaze
        preset.alignField = "go_cue_time"
        let p = try NLBFixture.nwb
        #expect(message(p, preset) == "\(p): '/intervals/trials/go_cue_time': align field 'go_cue_time' not found in the trials table")
    }

    @Test func windowLeavingTheRecording() throws {
        var preset = NLBPreset.mcMaze
        preset.windowStartMs = -1000
        let p = try NLBFixture.nwb
        #expect(message(p, preset) == "\(p): '/intervals/trials/move_onset_time': trial row 0: window -1000…650 ms around 0.5 s leaves the recording (0…144.2 s)")
    }

    @Test func unknownPreset() {
        #expect(throws: PrepareError("unknown preset 'mc_rtt' (known: mc_maze, mc_maze_large, mc_maze_medium, mc_maze_small)")) {
            try NLBPreset.named("mc_rtt")
        }
    }

    @Test func binWidthNotWholeMilliseconds() throws {
        var preset = NLBPreset.mcMaze
        #expect(throws: PrepareError("--bin-ms 2.5 is not a positive whole number of ms (spikes are binned on a 1 ms grid)")) {
            try preset.setBinMs(2.5)
        }
        try preset.setBinMs(7)
        #expect(throws: PrepareError("window -250…450 ms and forward 200 ms must be whole multiples of --bin-ms 7")) {
            try preset.validated()
        }
    }

    @Test func behaviourOfTheWrongRank() throws {
        let p = try dir.editedNWB { f in
            let data = try f.readDouble("/processing/behavior/hand_vel/data").values
            try f.write("/processing/behavior/hand_vel/data", shape: [data.count], doubles: data, replace: true)
        }
        #expect(message(p) == "\(p): '/processing/behavior/hand_vel/data': behaviour must be 2-D [time, channels], got rank 1 shape [288400]")
    }
}
