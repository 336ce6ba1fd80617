/// The parameters nlb_tools uses to turn one of its datasets into tensors (its `PARAMS` table),
/// for the datasets whose NWB layout `prepare nwb` reads. Times are in ms relative to `alignField`.
public struct NLBPreset: Sendable, Equatable {
    public var name: String
    public var alignField: String
    /// The observed window [windowStartMs, windowEndMs) around the align time.
    public var windowStartMs: Int
    public var windowEndMs: Int
    /// Forward-prediction window right after the observed one.
    public var forwardMs: Int
    /// The behaviour window is the spike window shifted this much later.
    public var lagMs: Int
    /// Gaussian kernel sd of the smoothed-spike PSTHs.
    public var psthKernelSdMs: Double
    public var conditionFields: [String]
    public var behaviorField: String
    public var binMs: Int

    public static let mcMaze = NLBPreset(
        name: "mc_maze", alignField: "move_onset_time", windowStartMs: -250, windowEndMs: 450, forwardMs: 200,
        lagMs: 100, psthKernelSdMs: 70, conditionFields: ["trial_type", "trial_version"], behaviorField: "hand_vel",
        binMs: 5)

    /// MC_Maze Large/Medium/Small: the same task, so the same windows; lag 120 ms and a 50 ms kernel.
    static func scaling(_ name: String) -> NLBPreset {
        var p = mcMaze
        p.name = name; p.lagMs = 120; p.psthKernelSdMs = 50
        return p
    }

    public static let all: [NLBPreset] = [mcMaze, scaling("mc_maze_large"), scaling("mc_maze_medium"), scaling("mc_maze_small")]

    public static func named(_ name: String) throws -> NLBPreset {
        guard let p = all.first(where: { $0.name == name }) else {
            throw PrepareError("unknown preset '\(name)' (known: \(all.map(\.name).joined(separator: ", ")))")
        }
        return p
    }

    /// The submission group name NLB expects: the dataset, with `_20` (etc.) unless at 5 ms.
    public var submissionGroup: String { binMs == 5 ? name : "\(name)_\(binMs)" }

    public var observedBins: Int { (windowEndMs - windowStartMs) / binMs }
    public var forwardBins: Int { forwardMs / binMs }

    /// Sets the bin width from a command-line value, which must be a whole number of ms: spikes are
    /// counted on a 1 ms grid.
    public mutating func setBinMs(_ ms: Double) throws {
        guard ms.isFinite, ms > 0, ms == ms.rounded() else {
            throw PrepareError("--bin-ms \(ms) is not a positive whole number of ms (spikes are binned on a 1 ms grid)")
        }
        binMs = Int(ms)
    }

    /// Every window must be whole bins, or trials would come out with different lengths.
    public func validated() throws -> NLBPreset {
        guard binMs > 0 else { throw PrepareError("--bin-ms must be a positive whole number of ms, got \(binMs)") }
        guard windowEndMs > windowStartMs else {
            throw PrepareError("window \(windowStartMs)…\(windowEndMs) ms is empty")
        }
        guard (windowEndMs - windowStartMs) % binMs == 0, forwardMs % binMs == 0, forwardMs >= 0 else {
            throw PrepareError("window \(windowStartMs)…\(windowEndMs) ms and forward \(forwardMs) ms must be whole multiples of --bin-ms \(binMs)")
        }
        guard psthKernelSdMs > 0 else { throw PrepareError("PSTH kernel sd must be > 0 ms, got \(psthKernelSdMs)") }
        return self
    }
}

/// Why `prepare` refused its input: one message naming the file, the path inside it and the problem.
public struct PrepareError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
    init(file: String, path: String, _ problem: String) { description = "\(file): '\(path)': \(problem)" }
}
