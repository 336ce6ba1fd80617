import Foundation
import Testing
@testable import ModelIO
import Store

/// Synthetic files have the layout of the shipped file (§6) and load back unchanged.
struct SynthFileTests {
    let dir: TempDirectory
    init() throws { dir = try TempDirectory() }

    @Test(arguments: [CountType.int64, .int32, .float32])
    func writtenFileLoadsBackExactly(countType: CountType) throws {
        var spec = SynthTests.smallLorenz()
        spec.countType = countType
        let data = try Synth.generate(spec)
        let path = dir.file("lorenz-\(countType).h5")
        try data.write(to: path)
        let d = try SpikeDataset.load(path: path)
        let memory = data.dataset(path: path)
        #expect(d.trainCounts == memory.trainCounts && d.validCounts == memory.validCounts)
        #expect(d.trainInds == data.trainInds && d.validInds == data.validInds && !d.indsSynthesized)
        #expect(d.trainConditions == data.trainInds.map { $0 / spec.trialsPerCondition })
        #expect(d.validConditions == memory.validConditions)
        // Truth is stored as float32, like the shipped file.
        #expect(d.trainTruth == memory.trainTruth!.map { Double(Float($0)) })
        #expect(d.binMs == 20 && d.conversionFactor == 1 && d.countType == countType.rawValue)
        #expect(d.warnings.isEmpty)
        #expect(d.dataContentSHA256() == memory.dataContentSHA256())
    }

    @Test func layoutAndAttributesMatchTheShippedFile() throws {
        let spec = SynthTests.smallLorenz(seed: 1)
        let path = dir.file("lorenz.h5")
        try Synth.generate(spec).write(to: path, command: "spikesae synth lorenz --seed 1")
        let f = try H5File.open(path)
        defer { try? f.close() }
        #expect(f.datasetNames() == ["conversion_factor", "train_condition", "train_data", "train_inds",
                                     "train_latents", "train_truth", "valid_condition", "valid_data",
                                     "valid_inds", "valid_latents", "valid_truth"])
        #expect(f.datasetNames(in: "generator") == ["readout_W", "readout_b", "target_hz"])
        func described(_ name: String) throws -> String {
            let info = try f.info(name)
            return "\(info.kind) \(info.shape)"
        }
        #expect(try described("train_data") == "int64 [14, 10, 8]")
        #expect(try described("valid_truth") == "float32 [4, 10, 8]")
        #expect(try described("train_latents") == "float32 [14, 10, 3]")
        #expect(try described("valid_inds") == "int64 [4]")
        #expect(try described("conversion_factor") == "float64 []")
        #expect(try described("generator/readout_W") == "float64 [3, 8]")
        #expect(try f.doubleAttribute("conversion_factor") == 1)
        #expect(try f.stringAttribute("system") == "lorenz")
        #expect(try f.int64Attribute("seed") == 1)
        #expect(try f.int64Attribute("bin_ms") == 20)
        #expect(try f.stringAttribute("count_dtype") == "int64")
        #expect(try f.stringAttribute("truth_units") == "expected spikes per bin")
        #expect(try f.stringAttribute("command") == "spikesae synth lorenz --seed 1")
        let json = try #require(try f.stringAttribute("params_json"))
        #expect(try JSONDecoder().decode(SynthSpec.self, from: Data(json.utf8)) == spec)
        #expect(json.hasPrefix(#"{"bin_ms":20,"bins":10,"burn_in":1,"#))
    }

    @Test func chaoticFileHasTheRNNWeights() throws {
        let spec = SynthTests.smallChaotic()
        let path = dir.file("rnn.h5")
        try Synth.generate(spec).write(to: path)
        let f = try H5File.open(path)
        defer { try? f.close() }
        #expect(f.datasetNames(in: "generator") == ["rnn_W"])
        #expect(try f.info("train_latents").shape == [8, 40, 12])
        #expect(try f.stringAttribute("system") == "chaotic_rnn")
        #expect(try f.stringAttribute("command") == spec.commandLine(out: path))
        let d = try SpikeDataset.load(path: path)
        #expect(d.binMs == 10 && d.trainCount == 8 && d.validCount == 2)
    }
}
