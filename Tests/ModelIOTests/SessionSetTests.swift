import Foundation
import Testing
import LFADS
@testable import ModelIO
import TestSupport

/// Session files of a stitched run (docs/model.md §18): sorted globs and the errors that name the file.
struct SessionSetTests {
    /// Writes `count` small session files of one Lorenz system into dir; session i gets `bins[i]` bins.
    static func write(_ dir: String, count: Int = 3, trialsPerCondition: Int = 5, bins: [Int]? = nil,
                      heldout: [Int]? = nil) throws -> [String] {
        try (0..<count).map { i in
            var spec = SynthSpec(system: .lorenz, seed: 4)
            spec.neurons = 6; spec.conditions = 4; spec.trialsPerCondition = trialsPerCondition; spec.bins = bins?[i] ?? 12
            spec.session = i; spec.neurons += 4 * i
            let path = "\(dir)/sess_\(i).h5"
            try Synth.generate(spec).write(to: path, heldout: (heldout?[i] ?? 0, 0))
            return path
        }
    }

    @Test func aGlobLoadsTheFilesSortedWithTheirOwnShapes() throws {
        let dir = TinyConfig.tempDir("modelio", "sessions")
        _ = try Self.write(dir, heldout: [0, 2, 1])
        let set = try SessionSet.load(["\(dir)/sess_*.h5"], batchSize: 6)
        #expect(set.paths == (0..<3).map { "\(dir)/sess_\($0).h5" })
        #expect(set.stems == ["sess_0", "sess_1", "sess_2"])
        #expect(set.shapes == [SessionShape(neurons: 6), SessionShape(neurons: 10, heldout: 2), SessionShape(neurons: 14, heldout: 1)])
        // A list in another order is sorted too.
        #expect(try SessionSet.load(["\(dir)/sess_2.h5", "\(dir)/sess_0.h5"], batchSize: 2).paths.first == "\(dir)/sess_0.h5")
    }

    @Test func sessionsOfOneSystemShareTheLatentsButNotTheReadout() throws {
        var a = SynthSpec(system: .lorenz, seed: 4)
        a.conditions = 4; a.trialsPerCondition = 5; a.bins = 12
        var b = a
        a.session = 0; b.session = 1
        let da = try Synth.generate(a), db = try Synth.generate(b)
        #expect(da.conditionLatents == db.conditionLatents)
        #expect(da.counts != db.counts)
        // Without a session the file is the base generator's (R0): the JSON has no session key.
        #expect(!SynthSpec(system: .lorenz, seed: 4).json().contains("session"))
        #expect(a.json().contains("\"session\":0"))
    }

    @Test func errorsNameTheFile() throws {
        let dir = TinyConfig.tempDir("modelio", "sessions-bad")
        _ = try Self.write(dir, bins: [12, 10, 12])
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        let t = message { _ = try SessionSet.load(["\(dir)/sess_*.h5"], batchSize: 6) }
        #expect(t.contains("\(dir)/sess_1.h5: T = 10 bins") && t.contains("same T"), "\(t)")
        let ok = TinyConfig.tempDir("modelio", "sessions-small")
        _ = try Self.write(ok)
        let b0 = message { _ = try SessionSet.load(["\(ok)/sess_*.h5"], batchSize: 2) }
        #expect(b0.contains("B_s = 0") && b0.contains("3 sessions"), "\(b0)")
        // 16 train trials per session; batch_size 60 / 3 = 20 per session is more.
        let k = message { _ = try SessionSet.load(["\(ok)/sess_*.h5"], batchSize: 60) }
        #expect(k.contains("\(ok)/sess_0.h5: 16 train trials, fewer than the per-session batch B_s = 20"), "\(k)")
        let none = message { _ = try SessionSet.load(["\(ok)/nothing_*.h5"], batchSize: 6) }
        #expect(none.contains("matches no file"), "\(none)")
        let dup = message { _ = try SessionSet.load(["\(ok)/sess_*.h5", "\(ok)/sess_0.h5"], batchSize: 6) }
        #expect(dup.contains("listed twice"), "\(dup)")
    }
}
