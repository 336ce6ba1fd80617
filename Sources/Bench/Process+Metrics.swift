import CBLAS
import LFADS
import Foundation

/// The clock every benchmark time is read from. Wall time by default; `bench --cpu-time` reads
/// the process's CPU time instead, which leaves out the time other jobs on a shared machine held
/// the core (single-threaded runs only: with more threads CPU time adds up across them).
public enum BenchClock {
    nonisolated(unsafe) public static var cpuTime = false {
        didSet { GemmTimer.clock = cpuTime ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC }
    }
}

func benchSeconds() -> Double { seconds(on: BenchClock.cpuTime ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC) }

/// Wall time, for what includes waiting on other ranks.
func monotonicSeconds() -> Double { seconds(on: CLOCK_MONOTONIC) }

private func seconds(on clock: clockid_t) -> Double {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// The process's peak resident set so far (getrusage ru_maxrss, KiB on Linux), in MB.
public func peakResidentMB() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024
}

/// The OpenBLAS kernel family in use and its thread count.
public struct BLASInfo: Sendable, Codable {
    public let core: String, config: String, threads: Int
    public static func current() -> BLASInfo {
        BLASInfo(core: openblas_get_corename().map { String(cString: $0) } ?? "unknown",
                 config: openblas_get_config().map { String(cString: $0) } ?? "unknown",
                 threads: Int(openblas_get_num_threads()))
    }
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}
