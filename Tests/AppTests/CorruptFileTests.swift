import Foundation
import Testing
@testable import App
import ModelIO
import Store
import TestSupport

/// Damaged checkpoints, parameter files and rates files are refused with one error naming the file
/// and the dataset (docs/data.md §7), never trained on or evaluated.
@Suite(.serialized)
struct CorruptFileTests {
    typealias E2E = TrainingEndToEndTests

    /// Flips one bit in the middle of `dataset`'s first stored chunk.
    static func damage(_ path: String, dataset: String) throws {
        let chunk = try #require(try H5File.open(path).chunkLocations(dataset).first)
        try FileDamage.flip(path, at: chunk.offset + chunk.size / 2)
    }

    @Test func resumeRefusesADamagedCheckpointAndSaysHowToRecover() throws {
        let dir = E2E.tempDir("corrupt-resume")
        #expect(try E2E.train(dir, overrides: ["max_epochs=4"], stopAfter: 2) == .interrupted)
        let ckpt = dir + "/run/checkpoint.h5"
        let clean = try Data(contentsOf: URL(fileURLWithPath: ckpt))
        try Self.damage(ckpt, dataset: "params")
        #expect { _ = try E2E.train(dir, resume: true) } throws: {
            let m = "\($0)"
            return m.contains("\(ckpt) is corrupt: dataset 'params' fails its checksum")
                && m.contains("To recover: copy back a previous copy of checkpoint.h5")
        }
        // 4 KB zeroed in the middle (the incident in the issue), and a truncated copy.
        try clean.write(to: URL(fileURLWithPath: ckpt))
        try FileDamage.zero(ckpt, from: clean.count / 2 - 2048, count: 4096)
        #expect { _ = try E2E.train(dir, resume: true) } throws: { "\($0)".contains(ckpt) && "\($0)".contains("To recover") }
        try clean.write(to: URL(fileURLWithPath: ckpt))
        try FileDamage.truncate(ckpt, to: clean.count - 100)
        #expect { _ = try E2E.train(dir, resume: true) } throws: { "\($0)".contains(ckpt) && "\($0)".contains("To recover") }
        // The undamaged checkpoint still resumes.
        try clean.write(to: URL(fileURLWithPath: ckpt))
        #expect(try E2E.train(dir, resume: true) == .ok)
    }

    @Test func evalRefusesDamagedParametersAndRatesFilesAreRefusedOnRead() throws {
        let dir = E2E.tempDir("corrupt-eval")
        #expect(try E2E.train(dir, overrides: ["max_epochs=2"]) == .ok)
        let params = dir + "/run/params.h5"
        try Self.damage(params, dataset: "gen.W_h")
        #expect {
            try EvalRun.run(params: params, data: dir + "/run/data.h5", out: dir + "/eval.h5",
                            posteriorMean: false, samples: nil, force: false, log: { _ in })
        } throws: { "\($0)".contains("\(params) is corrupt: dataset 'gen.W_h' fails its checksum") }
        #expect(!FileManager.default.fileExists(atPath: dir + "/eval.h5"))

        let rates = dir + "/run/rates.h5"
        try Self.damage(rates, dataset: "valid_rates")
        let f = try H5File.open(rates)
        #expect { _ = try f.readFloat("valid_rates") } throws: {
            "\($0)" .contains("\(rates) is corrupt: dataset 'valid_rates' fails its checksum")
        }
    }
}
