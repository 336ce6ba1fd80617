import Foundation
import Testing
import Store
import ModelIO
@testable import App
@testable import NLB

/// `eval --nlb-submission` writes the six rate arrays nlb_tools' evaluate reads, in its layout.
struct NLBSubmissionTests {
    let dir: ScratchDirectory
    init() throws { dir = try ScratchDirectory() }

    @Test func writesTheReferenceSubmissionBack() throws {
        let data = dir.file("maze.h5"), sub = dir.file("sub.h5")
        _ = try PrepareNWB.run(nwb: try NLBFixture.nwb, preset: .mcMaze, out: data, command: "test")
        let d = try SpikeDataset.load(path: data)
        let group = try NLBSubmission.group(dataset: "mc_maze", binMs: d.binMs)
        #expect(group == "mc_maze")
        try NLBSubmission.write(trainRates: try NLBScoreTests.submissionRates(train: true),
                                validRates: try NLBScoreTests.submissionRates(train: false), dataset: d, group: group, to: sub)
        let f = try H5File.open(sub), ref = try H5File.open(try NLBFixture.reference)
        #expect(f.groupNames() == ["mc_maze"])
        let names = ["train_rates_heldin", "train_rates_heldout", "eval_rates_heldin", "eval_rates_heldout",
                     "eval_rates_heldin_forward", "eval_rates_heldout_forward"]
        #expect(f.datasetNames(in: "mc_maze") == names.sorted())
        for name in names {
            #expect(try f.info("mc_maze/" + name).kind == .float(bits: 32), "\(name)")
            let ours = try f.readFloat("mc_maze/" + name), theirs = try ref.readFloat("submission/mc_maze/" + name)
            #expect(ours.shape == theirs.shape && ours.values == theirs.values, "\(name)")
        }
    }

    @Test func groupNames() throws {
        #expect(try NLBSubmission.group(dataset: "mc_maze_small", binMs: 20) == "mc_maze_small_20")
        let error = #expect(throws: RunError.self) { try NLBSubmission.group(dataset: "maze", binMs: 5) }
        #expect(error?.description == "--nlb-dataset 'maze' is not an NLB dataset (known: mc_maze, mc_rtt, area2_bump, dmfc_rsg, mc_maze_large, mc_maze_medium, mc_maze_small)")
    }
}
