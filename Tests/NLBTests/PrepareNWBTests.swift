import Foundation
import Testing
import Store
@testable import NLB

/// `prepare nwb` on the fixture gives exactly the tensors nlb_tools made of it.
struct PrepareNWBTests {
    let dir: ScratchDirectory
    init() throws { dir = try ScratchDirectory() }

    /// [K, T, N] columns `cols` and bins `bins` of a prepared [K, Tall, Nall] array.
    func block(_ a: [Double], K: Int, T: Int, N: Int, bins: Range<Int>, cols: Range<Int>) -> [Double] {
        var out: [Double] = []
        for k in 0..<K { for t in bins { for n in cols { out.append(a[(k * T + t) * N + n]) } } }
        return out
    }

    @Test func spikeTensorsEqualNLBToolsExactly() throws {
        let out = dir.file("maze.h5")
        let s = try PrepareNWB.run(nwb: try NLBFixture.nwb, preset: .mcMaze, out: out, command: "test")
        let counts: [Int] = [s.trainTrials, s.validTrials, s.heldin, s.heldout, s.observedBins, s.forwardBins, s.conditions]
        #expect(counts == [91, 29, 22, 8, 140, 40, 8])
        let f = try H5File.open(out)
        defer { try? f.close() }
        #expect(try f.int64Attribute("heldout_neurons") == 8)
        #expect(try f.int64Attribute("forward_bins") == 40)
        #expect(try f.doubleAttribute("bin_ms") == 5)
        #expect(try f.stringAttribute("preset") == "mc_maze")
        let train = try f.readDouble("train_data"), valid = try f.readDouble("valid_data")
        #expect(train.shape == [91, 180, 30] && valid.shape == [29, 180, 30])
        let cases: [(String, [Double], Int, Range<Int>, Range<Int>)] = [
            ("/train_input/train_spikes_heldin", train.values, 91, 0..<140, 0..<22),
            ("/train_input/train_spikes_heldout", train.values, 91, 0..<140, 22..<30),
            ("/train_input/train_spikes_heldin_forward", train.values, 91, 140..<180, 0..<22),
            ("/train_input/train_spikes_heldout_forward", train.values, 91, 140..<180, 22..<30),
            ("/eval_input/eval_spikes_heldin", valid.values, 29, 0..<140, 0..<22),
            ("/eval_input/eval_spikes_heldout", valid.values, 29, 0..<140, 22..<30),
            ("/eval_target/mc_maze/eval_spikes_heldin_forward", valid.values, 29, 140..<180, 0..<22),
            ("/eval_target/mc_maze/eval_spikes_heldout_forward", valid.values, 29, 140..<180, 22..<30),
        ]
        for (name, values, K, bins, cols) in cases {
            let ref = try NLBFixture.referenceArray(name)
            #expect(block(values, K: K, T: 180, N: 30, bins: bins, cols: cols) == ref.values, "\(name)")
        }
    }

    /// Behaviour (decimated by scipy's zero-phase FIR in nlb_tools) within 1e-5 relative; the
    /// PSTHs NLB scores against, and the condition of each valid trial, as nlb_tools made them.
    @Test func behaviourPSTHsAndConditionsMatchNLBTools() throws {
        let out = dir.file("maze.h5")
        _ = try PrepareNWB.run(nwb: try NLBFixture.nwb, preset: .mcMaze, out: out, command: "test")
        let f = try H5File.open(out)
        defer { try? f.close() }
        for (mine, theirs) in [("train_behavior", "/train_input/train_behavior"),
                               ("valid_behavior", "/eval_target/mc_maze/eval_behavior"),
                               ("psth", "/eval_target/mc_maze/psth")] {
            let a = try f.readDouble(mine), b = try NLBFixture.referenceArray(theirs)
            #expect(a.shape == b.shape, "\(mine)")
            let scale = b.values.map(abs).max() ?? 1
            let worst = zip(a.values, b.values).map { abs($0 - $1) }.max() ?? .nan
            #expect(worst <= 1e-5 * scale, "\(mine): worst difference \(worst), scale \(scale)")
        }
        // nlb_tools lists, per condition, the indices of the eval trials in it.
        let conditions = try f.readInt64("valid_condition").values
        for c in 0..<8 {
            let listed = try NLBFixture.referenceArray(String(format: "/eval_target/mc_maze/eval_cond_idx/c%02d", c)).values.map(Int.init)
            #expect(conditions.indices.filter { conditions[$0] == c } == listed, "condition \(c)")
        }
    }

    @Test func twentyMillisecondBinsSumFiveMillisecondOnes() throws {
        let out5 = dir.file("m5.h5"), out20 = dir.file("m20.h5")
        _ = try PrepareNWB.run(nwb: try NLBFixture.nwb, preset: .mcMaze, out: out5, command: "test")
        var p = NLBPreset.mcMaze
        try p.setBinMs(20)
        #expect(p.submissionGroup == "mc_maze_20")
        let s = try PrepareNWB.run(nwb: try NLBFixture.nwb, preset: p, out: out20, command: "test")
        #expect(s.observedBins == 35 && s.forwardBins == 10)
        let a = try H5File.open(out5).readDouble("train_data").values
        let b = try H5File.open(out20).readDouble("train_data").values
        // The windows start on 5 ms bins, not always on 20 ms ones, so compare totals per trial and neuron.
        let total = { (x: [Double], T: Int) in (0..<(91 * 30)).map { i in (0..<T).map { x[((i / 30) * T + $0) * 30 + i % 30] }.reduce(0, +) } }
        let t5 = total(a, 180), t20 = total(b, 45)
        let close = zip(t5, t20).filter { abs($0 - $1) <= 0.1 * max($0, 10) }.count
        #expect(close > 91 * 30 * 9 / 10)
    }
}
