import Foundation
import Testing
@testable import LFADS
import ModelIO
import Store

struct ParameterFileTests {
    static func tempPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spikesae-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    static func smallHP(controller: Bool = true) -> Hyperparameters {
        var hp = GradientCheck.tinyHyperparameters()
        if !controller { hp.coDim = 0 }
        return hp
    }

    @Test(arguments: [true, false])
    func roundTripIsBitExactAndReproducesTheForwardPass(controller: Bool) throws {
        let hp = Self.smallHP(controller: controller)
        var params: [Float] = Initialization.parameters(hp, seed: 3)
        var r = keyedStream(seed: 1, .testData)
        for i in params.indices { params[i] += Float(0.1 * r.normal()) }
        let path = Self.tempPath("roundtrip-\(controller).h5")
        try ParameterFile.write(params, hp: hp, to: path, selected: "lve_checkpoint", bestEpoch: 12)
        let (hp2, p2): (Hyperparameters, [Float]) = try ParameterFile.read(path)
        #expect(hp2 == hp)
        #expect(p2.map(\.bitPattern) == params.map(\.bitPattern))

        let f = try H5File.open(path)
        #expect(try f.stringAttribute("format") == ParameterFile.format)
        #expect(try f.stringAttribute("selected") == "lve_checkpoint")
        #expect(try f.int64Attribute("best_epoch") == 12)
        #expect(f.datasetNames().count == (controller ? 39 : 21))
        if !controller { #expect(try f.info("gen.W_x").shape == [0, 3 * hp.genDim]) }
        try f.close()

        func run(_ p: [Float]) -> [Float] {
            let m = LFADSModel<Float>(hp: hp, batch: 2)
            let noise = NoiseBundle<Float>(m.dims)
            noise.draw(hp, trials: [0, 1], epoch: 0, step: 0, kind: .training,
                       svMasks: [sampleValidationMask(hp, split: 0, trialIndex: 0), sampleValidationMask(hp, split: 0, trialIndex: 1)])
            let x = (0..<(hp.seqLen * 2 * hp.dataDim)).map { Float($0 % 3) }
            _ = p.withUnsafeBufferPointer { pp in x.withUnsafeBufferPointer { xp in
                m.forward(params: pp.baseAddress!, x: xp.baseAddress!, noise: noise, weights: .full) } }
            return m.logRates.array
        }
        #expect(run(p2).map(\.bitPattern) == run(params).map(\.bitPattern))
    }

    @Test func missingOrMisshapenTensorIsNamed() throws {
        let hp = Self.smallHP()
        let params: [Float] = Initialization.parameters(hp, seed: 3)
        let path = Self.tempPath("broken.h5")
        try ParameterFile.write(params, hp: hp, to: path)
        // Rewrite one tensor with a wrong shape, drop another.
        let copy = Self.tempPath("broken2.h5")
        let layout = ParameterLayout(hp)
        try H5File.writeAtomically(to: copy) { f in
            for e in layout.entries where e.name != "con.b" {
                let shape = e.name == "fac.W" ? [e.shape[1], e.shape[0]] : e.shape
                try f.write(e.name, shape: shape, floats: Array(params[e.offset..<(e.offset + e.count)]))
            }
            try f.setAttribute("hps", string: hp.jsonString())
        }
        #expect { _ = try ParameterFile.read(copy, as: Float.self) } throws: { e in
            "\(e)".contains("tensor 'con.b' is missing")
        }
        try H5File.writeAtomically(to: copy) { f in
            try f.setAttribute("hps", string: hp.jsonString().replacingOccurrences(of: "\"seed\"", with: "\"sed\""))
        }
        #expect { _ = try ParameterFile.read(copy, as: Float.self) } throws: { e in "\(e)".contains("sed") }
    }
}
