import Foundation
import Testing
@testable import App
@testable import SearchRunner
import TestSupport

/// `search --force` replaces a previous search only once the new search's input proved good: its
/// generated data, the model they make and what the search asks of them.
@Suite(.serialized)
struct SearchForceTests {
    typealias E2E = SearchEndToEndTests

    static func contents(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func aRefusedForceSearchKeepsThePreviousResults() throws {
        let dir = E2E.tempDir("force-synth")
        let small = TinyConfig.yaml(maxEpochs: 2, posteriorSamples: 3) + """
            search:
              method: random
              sizes: [1.0]
              trials_per_size: 1
              seed: 1
              space:
                lr: {dist: choice, values: [0.01]}
            """
        #expect(try E2E.search(dir, config: small) == .ok)
        let kept = ["results.h5", "data.h5", "config.yaml", "search_state.json"]
        let before = try kept.map { try Self.contents(dir + "/run/" + $0) }
        // ZIG events are not counts: the Poisson model refuses the generated data by name.
        let zig = small.replacingOccurrences(of: "bins: 25}", with: "bins: 25, observation: zig}")
        #expect(zig != small)
        #expect { _ = try E2E.search(dir, config: zig, force: true) } throws: {
            "\($0)".contains("non-integer count") && "\($0)".contains("data.synth") && "\($0)".contains("/run/data.h5")
        }
        // Generated data fine, but the search asks what they cannot give: co-bps without held-out neurons.
        let cobps = small.replacingOccurrences(of: "  method: random\n", with: "  method: random\n  select_by: valid_cobps\n")
        #expect(cobps != small)
        #expect { _ = try E2E.search(dir, config: cobps, force: true) } throws: { "\($0)".contains("held-out neurons") }
        for (name, data) in zip(kept, before) {
            #expect(try Self.contents(dir + "/run/" + name) == data, "\(name) changed or went")
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/run/best"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/" + RunDirectory.pendingData))
        // A refused search into a directory it made leaves no directory behind.
        #expect { _ = try E2E.search(dir + "/fresh", config: zig) } throws: { "\($0)".contains("non-integer count") }
        #expect(!FileManager.default.fileExists(atPath: dir + "/fresh/run"))
        // A good --force search then replaces it, with its data in data.h5.
        #expect(try E2E.search(dir, config: small.replacingOccurrences(of: "seed: 1\n", with: "seed: 2\n"), force: true) == .ok)
        #expect(try Self.contents(dir + "/run/config.yaml") != before[2])
        #expect(FileManager.default.fileExists(atPath: dir + "/run/data.h5"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/" + RunDirectory.pendingData))
    }
}
