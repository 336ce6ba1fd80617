import Foundation

/// SIGINT, SIGTERM and SIGUSR1 ask training to stop after the current epoch's checkpoint.
public enum StopSignal {
    nonisolated(unsafe) private static var flag: sig_atomic_t = 0
    public static var requested: Bool { flag != 0 }
    public static func install() {
        for s in [SIGINT, SIGTERM, SIGUSR1] { signal(s) { _ in StopSignal.flag = 1 } }
    }
}
