import Foundation
import Testing
@testable import App
import LFADS
import ModelIO
import Store
import TestSupport

/// `train` of a stitched model whose session files carry LFADS TF's read-in alignment (docs/model.md §18).
@Suite(.serialized)
struct StitchedAlignmentRunTests {
    @Test func tfAlignmentFilesInitialiseTheAdaptersOfATrainedModel() throws {
        let dir = TinyConfig.tempDir("app", "stitched-tf")
        try StitchedRunTests.sessions(dir)
        let R = 6
        var alignments: [[Double]] = [], biases: [[Double]] = []
        for i in 0..<3 {
            let N = 8 + 4 * i
            let a = (0..<(N * R)).map { Double(($0 * 5 + i) % 7) * 0.1 - 0.3 }, c = (0..<N).map { 0.2 + 0.05 * Double($0) }
            let f = try H5File.open("\(dir)/s\(i).h5", writable: true)
            try f.write("alignment_matrix_cxf", shape: [N, R], doubles: a)
            try f.write("alignment_bias_c", shape: [N], doubles: c)
            try f.close()
            alignments.append(a); biases.append(c)
        }
        try StitchedConfig.yaml(sessions: "\(dir)/s*.h5", maxEpochs: 1, extra: "  readin_init: pcr")
            .write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        var o = RunOptions(outDir: dir + "/run")
        o.configPath = dir + "/c.yaml"
        #expect(try TrainRun.run(o, log: { _ in }) == .ok)
        // The read-ins stay frozen (train_readin 0): the trained model still holds TF's matrices.
        let (hp, params): (Hyperparameters, [Float]) = try ParameterFile.read(dir + "/run/params.h5")
        let layout = ParameterLayout(hp)
        for s in 0..<3 {
            let e = layout["readin.s\(s).W"]
            #expect(Array(params[e.offset..<(e.offset + e.count)]) == alignments[s].map { Float($0) })
            let b = layout["readin.s\(s).b"], N = 8 + 4 * s
            for j in 0..<R {
                let want = -(0..<N).map { biases[s][$0] * alignments[s][$0 * R + j] }.reduce(0, +)
                #expect(abs(Double(params[b.offset + j]) - want) < 1e-5)
            }
        }
        // Both forms in one file: refused by name, before anything is trained.
        let f = try H5File.open("\(dir)/s2.h5", writable: true)
        try f.write("readin_weight", shape: [16, R], doubles: [Double](repeating: 0.1, count: 16 * R))
        try f.close()
        o.outDir = dir + "/run2"
        #expect { _ = try TrainRun.run(o, log: { _ in }) } throws: {
            "\($0)".contains("s2.h5: has both readin_weight/readout_bias (lfads-torch) and alignment_matrix_cxf")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/run2"))
    }
}
