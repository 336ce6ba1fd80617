import Foundation
import Testing
import Store
@testable import NLB

/// The tensor layouts users already have (nlb_tools' saved tensors, lfads-torch's encod/recon
/// files) give the same training file as `prepare nwb`, and their bad inputs one clear message.
struct PrepareTensorsTests {
    let dir: ScratchDirectory
    init() throws { dir = try ScratchDirectory() }

    func fromNWB() throws -> H5File {
        let path = dir.file("nwb.h5")
        _ = try PrepareNWB.run(nwb: try NLBFixture.nwb, preset: .mcMaze, out: path, command: "test")
        return try H5File.open(path)
    }

    @Test func nlbToolsTensorsGiveTheNWBFile() throws {
        let ref = try NLBFixture.reference, out = dir.file("nlb.h5")
        let summary = try PrepareTensors.fromNLBTools(
            trainInput: .init(ref + ":/train_input"), evalInput: .init(ref + ":/eval_input"),
            evalTarget: .init(ref + ":/eval_target/mc_maze"), binMs: 5, out: out, command: "test")
        #expect(summary == "91 train / 29 valid trials, 22 held-in + 8 held-out neurons, 140 + 40 forward bins")
        let a = try H5File.open(out), b = try fromNWB()
        for name in ["train_data", "valid_data", "train_condition", "valid_condition"] {
            #expect(try a.readDouble(name).values == b.readDouble(name).values, "\(name)")
        }
        for name in ["train_behavior", "valid_behavior", "psth"] {
            let x = try a.readDouble(name).values, y = try b.readDouble(name).values
            #expect(zip(x, y).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($1)) }, "\(name)")
        }
        #expect(try a.int64Attribute("heldout_neurons") == 8 && a.int64Attribute("forward_bins") == 40)
        #expect(try a.stringAttribute("nlb_dataset") == "mc_maze")
    }

    /// An lfads-torch file: recon = every neuron and bin, encod = the held-in, observed block.
    func lfadsTorchFile(corrupt: Bool = false) throws -> String {
        let src = try fromNWB(), path = dir.file("lfads.h5")
        let f = try H5File.create(path, overwrite: true)
        for split in ["train", "valid"] {
            let (shape, recon) = try src.readDouble("\(split)_data")
            var encod: [Double] = []
            for k in 0..<shape[0] { for t in 0..<140 { encod += recon[((k * 180 + t) * 30)..<((k * 180 + t) * 30 + 22)] } }
            if corrupt && split == "valid" { encod[5] += 1 }
            try f.write("\(split)_recon_data", shape: shape, doubles: recon, storedAs: .int64)
            try f.write("\(split)_encod_data", shape: [shape[0], 140, 22], doubles: encod, storedAs: .int64)
        }
        try f.close()
        return path
    }

    @Test func lfadsTorchFileGivesHeldoutAndForwardFromItsShapes() throws {
        let out = dir.file("out.h5")
        let summary = try PrepareTensors.fromLFADSTorch(.init(try lfadsTorchFile()), binMs: 5, out: out, command: "test")
        #expect(summary == "91 train / 29 valid trials, 22 held-in + 8 held-out neurons, 140 + 40 forward bins")
        let a = try H5File.open(out), b = try fromNWB()
        #expect(try a.readDouble("valid_data").values == b.readDouble("valid_data").values)
        #expect(try a.int64Attribute("heldout_neurons") == 8 && a.int64Attribute("forward_bins") == 40)
    }

    @Test func lfadsTorchEncodThatIsNotReconsBlock() throws {
        let p = try lfadsTorchFile(corrupt: true), out = dir.file("out.h5")
        #expect(throws: PrepareError("\(p): '/valid_encod_data': differs from valid_recon_data at [0,0,5]; encod must be recon's held-in neurons over its observed bins")) {
            try PrepareTensors.fromLFADSTorch(.init(p), binMs: nil, out: out, command: "test")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func nlbToolsBadInputs() throws {
        let ref = try NLBFixture.reference, out = dir.file("out.h5")
        // The eval input of the 'test' split has no held-out spikes, and no target was given.
        let testSplit = dir.file("eval_input.h5")
        let e = try H5File.create(testSplit, overwrite: true)
        let heldin = try NLBFixture.referenceArray("/eval_input/eval_spikes_heldin")
        try e.write("eval_spikes_heldin", shape: heldin.shape, doubles: heldin.values, storedAs: .float32)
        try e.close()
        #expect(throws: PrepareError("\(testSplit): '/eval_spikes_heldout': not found, and no --eval-target to take it from: the eval trials need held-out spikes (the 'test' split has none)")) {
            try PrepareTensors.fromNLBTools(trainInput: .init(ref + ":/train_input"), evalInput: .init(testSplit),
                                            evalTarget: nil, binMs: nil, out: out, command: "test")
        }
        // Behaviour of the wrong rank.
        let bad = dir.file("bad.h5")
        let f = try H5File.create(bad, overwrite: true)
        for name in ["train_spikes_heldin", "train_spikes_heldout"] {
            let a = try NLBFixture.referenceArray("/train_input/" + name)
            try f.write(name, shape: a.shape, doubles: a.values, storedAs: .float32)
        }
        for name in ["eval_spikes_heldin", "eval_spikes_heldout"] {
            let a = try NLBFixture.referenceArray("/eval_input/" + name)
            try f.write(name, shape: a.shape, doubles: a.values, storedAs: .float32)
        }
        try f.write("train_behavior", shape: [91 * 140, 2], doubles: try NLBFixture.referenceArray("/train_input/train_behavior").values)
        try f.close()
        #expect(throws: PrepareError("\(bad): '/train_behavior': must be 3-D [trials, bins, channels], got rank 2 shape [12740, 2]")) {
            try PrepareTensors.fromNLBTools(trainInput: .init(bad), evalInput: .init(bad),
                                            evalTarget: .init(ref + ":/eval_target/mc_maze"), binMs: nil, out: out, command: "test")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
