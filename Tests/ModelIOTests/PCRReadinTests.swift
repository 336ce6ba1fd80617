import Foundation
import Testing
import LFADS
@testable import ModelIO
import Store
import TestSupport

/// The PCR read-in/read-out of a stitched model (docs/model.md §18).
struct PCRReadinTests {
    static func matmul(_ a: [Double], _ b: [Double], _ m: Int, _ k: Int, _ n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for l in 0..<k { for j in 0..<n { c[i * n + j] += a[i * k + l] * b[l * n + j] } } }
        return c
    }

    static func sessions(_ dir: String) throws -> [SpikeDataset] {
        let paths = try SessionSetTests.write(dir)
        return try paths.map { try SpikeDataset.load(path: $0) }
    }

    @Test func theRecipeGivesAReadinThatZeroesTheMeanAndAPseudoInverseReadout() throws {
        let sets = try Self.sessions(TinyConfig.tempDir("modelio", "pcr"))
        var warnings: [String] = []
        let R = 3
        let ads = try PCRReadin.adapters(sets, R: R, readout: "pinv", warnings: &warnings)
        #expect(warnings.isEmpty)
        for (a, d) in zip(ads, sets) {
            let N = d.N
            #expect(a.rank == R)
            // readin(μ_s) = μ_s·W_in + b_in = 0.
            let atMean = Self.matmul(a.readoutB, a.readinW, 1, N, R)
            for j in 0..<R { #expect(abs(atMean[j] + a.readinB[j]) < 1e-10) }
            // W_in·pinv·W_in = W_in and pinv·W_in = I_R.
            let wpw = Self.matmul(Self.matmul(a.readinW, a.readoutW, N, R, N), a.readinW, N, N, R)
            for i in 0..<(N * R) { #expect(abs(wpw[i] - a.readinW[i]) < 1e-9 * max(1, abs(a.readinW[i]))) }
            let pw = Self.matmul(a.readoutW, a.readinW, R, N, R)
            for i in 0..<R { for j in 0..<R { #expect(abs(pw[i * R + j] - (i == j ? 1 : 0)) < 1e-9) } }
            // b_out is the mean count per bin over the PSTH.
            #expect(a.readoutB.allSatisfy { $0 > 0 })
        }
        let tr = try PCRReadin.adapters(sets, R: R, readout: "transpose", warnings: &warnings)
        let N = sets[1].N
        for n in 0..<N { for j in 0..<R { #expect(tr[1].readoutW[j * N + n] == tr[1].readinW[n * R + j]) } }
    }

    @Test func aRankDeficientReadinWarnsAndStillGivesThePseudoInverse() {
        // Column 2 = column 0 + column 1: rank 2 of 3.
        let W: [Double] = [1, 2, 3, 0, 1, 1, 2, -1, 1, 4, 0, 4]
        let (p, rank) = PCRReadin.pseudoInverse(W, rows: 4, cols: 3)
        #expect(rank == 2)
        let wpw = Self.matmul(Self.matmul(W, p, 4, 3, 4), W, 4, 4, 3)
        for i in 0..<12 { #expect(abs(wpw[i] - W[i]) < 1e-9) }
    }

    @Test func weightsFromTheFileAreUsedAndCheckedNamingTheFile() throws {
        let dir = TinyConfig.tempDir("modelio", "pcr-file")
        let sets = try Self.sessions(dir)
        let R = 2
        for d in sets {
            let f = try H5File.open(d.path, writable: true)
            try f.write("readin_weight", shape: [d.N, R], doubles: (0..<(d.N * R)).map { Double($0 % 5) * 0.1 + ($0 % R == 0 ? 1 : 0) })
            try f.write("readout_bias", shape: [d.N], doubles: (0..<d.N).map { 0.5 + Double($0) })
            try f.close()
        }
        var warnings: [String] = []
        let ads = try PCRReadin.adapters(sets, R: R, readout: "pinv", warnings: &warnings)
        #expect(ads[0].readoutB == (0..<sets[0].N).map { 0.5 + Double($0) })
        #expect(abs(ads[0].readinW[1] - 0.1) < 1e-15)
        do {
            _ = try PCRReadin.adapters(sets, R: 3, readout: "pinv", warnings: &warnings)
            Issue.record("a wrong readin_weight shape must be refused")
        } catch { #expect("\(error)".contains("\(sets[0].path): readin_weight has shape [6, 2], expected [6, 3]"), "\(error)") }
        // Session 2 rewritten with readout_bias alone.
        var spec = SynthSpec(system: .lorenz, seed: 4)
        spec.neurons = 14; spec.conditions = 4; spec.trialsPerCondition = 5; spec.bins = 12; spec.session = 2
        try Synth.generate(spec).write(to: sets[2].path)
        let f = try H5File.open(sets[2].path, writable: true)
        try f.write("readout_bias", shape: [14], doubles: [Double](repeating: 1, count: 14)); try f.close()
        do {
            _ = try PCRReadin.adapters(sets, R: R, readout: "pinv", warnings: &warnings)
            Issue.record("readout_bias without readin_weight must be refused")
        } catch { #expect("\(error)".contains("\(sets[2].path): readin_weight and readout_bias go together"), "\(error)") }
    }
}
