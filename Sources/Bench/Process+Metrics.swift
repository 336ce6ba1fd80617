import CBLAS
import Foundation

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
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
