import Foundation
import TestSupport

/// The built `spikesae` started under mpirun, as docs/hpc.md §4 prescribes: never MPI_Init in the test
/// process; a clean MPI environment; output to a temp file; a deadline, then SIGTERM, then SIGKILL.
struct MPIJob {
    struct Result {
        let status: Int32
        let output: String
        let seconds: Double
        let timedOut: Bool
        func count(_ s: String) -> Int { output.components(separatedBy: s).count - 1 }
    }

    /// swift test builds every executable; on Linux the test runner sits in the same products directory.
    static var executable: String { Bundle.main.bundleURL.appendingPathComponent("spikesae").path }

    static var mpirun: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var available: Bool { mpirun != nil && FileManager.default.isExecutableFile(atPath: executable) }

    /// `signal` is sent to mpirun (which forwards it to every rank) once the output contains `after`.
    static func run(ranks: Int, _ arguments: [String], environment extra: [String: String] = [:],
                    in directory: String, deadline: Double = 60, signal: (after: String, signal: Int32)? = nil) throws -> Result {
        guard let mpirun else { throw JobError(description: "no mpirun on PATH") }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return try launch(mpirun, ["-np", "\(ranks)"] + (ranks > cores ? ["--oversubscribe"] : []) + [executable] + arguments,
                          environment: extra, in: directory, deadline: deadline, signal: signal)
    }

    /// The same executable without mpirun.
    static func runPlain(_ arguments: [String], in directory: String, deadline: Double = 60) throws -> Result {
        try launch(executable, arguments, environment: [:], in: directory, deadline: deadline, signal: nil)
    }

    static func launch(_ path: String, _ arguments: [String], environment extra: [String: String],
                       in directory: String, deadline: Double, signal: (after: String, signal: Int32)?) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        p.environment = environment(extra)
        let logPath = directory + "/job-\(UUID().uuidString).log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        p.standardOutput = log
        p.standardError = log
        let start = Date()
        try spawnWithSignalsUnblocked(p)
        var timedOut = false
        var signal = signal
        while p.isRunning {
            if let s = signal, let out = try? String(contentsOfFile: logPath, encoding: .utf8), out.contains(s.after) {
                kill(p.processIdentifier, s.signal)
                signal = nil
            }
            if Date().timeIntervalSince(start) > deadline {
                timedOut = true
                p.terminate()
                let killAt = Date().addingTimeInterval(5)
                while p.isRunning && Date() < killAt { usleep(50_000) }
                if p.isRunning { kill(p.processIdentifier, SIGKILL) }
                break
            }
            usleep(50_000)
        }
        p.waitUntilExit()
        let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return Result(status: p.terminationStatus, output: output, seconds: Date().timeIntervalSince(start), timedOut: timedOut)
    }

    /// Swift Testing runs tests on threads that block most signals, and the spawned process keeps
    /// that mask across exec: mpirun would then never see SIGTERM (the deadline) or SIGUSR1.
    static func spawnWithSignalsUnblocked(_ p: Process) throws {
        var none = sigset_t(), old = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &old)
        defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
        try p.run()
    }

    /// The test's environment without any MPI job's variables (a nested mpirun refuses to start),
    /// plus what a run as root, a single BLAS thread per rank and a quick crash report need.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { k, _ in
            !["OMPI_", "PMIX_", "OPAL_", "PRTE_"].contains { k.hasPrefix($0) }
        }
        env.removeValue(forKey: "SPIKESAE_RANKS_PER_MODEL")
        env.removeValue(forKey: "SPIKESAE_SEARCH_COMPACT_EVERY")
        if geteuid() == 0 {
            env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
            env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        }
        env["OPENBLAS_NUM_THREADS"] = "1"
        env["SWIFT_BACKTRACE"] = "enable=no"
        for (k, v) in extra { env[k] = v }
        return env
    }

    struct JobError: Error, CustomStringConvertible { let description: String }

    static func tempDir(_ name: String) -> String { TinyConfig.tempDir("cluster", name) }
}
