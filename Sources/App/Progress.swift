import Foundation
import Store
import Training

/// One line per epoch; on a terminal, a bar of epochs done is redrawn under it.
final class Progress {
    let maxEpochs: Int
    let log: (String) -> Void
    /// mpirun gives its ranks a pty even when its own output goes to a file, so no bar under mpirun.
    let tty = isatty(1) != 0 && ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] == nil

    init(maxEpochs: Int, log: @escaping (String) -> Void) { self.maxEpochs = maxEpochs; self.log = log }

    func epoch(_ r: EpochRecord, best: Int) {
        var line = String(format: "epoch %4d  loss %.5f  recon %.5f  valid %.5f (smoothed %.5f)",
                          r.epoch, r.trainTotal, r.trainRecon, r.validRecon, r.validReconSmoothed)
        if !r.sampValidValid.isNaN { line += String(format: "  samp-valid %.5f", r.sampValidValidSmoothed) }
        line += String(format: "  lr %.2e  kl/l2 w %.2f  %.0f trials/s", r.lr, r.klWeight, r.trialsPerSecond)
        if best == r.epoch { line += "  *" }
        if tty {
            let width = 30, done = min(width, (r.epoch + 1) * width / max(maxEpochs, 1))
            log("\r\u{1B}[K" + line)
            print("[" + String(repeating: "#", count: done) + String(repeating: ".", count: width - done)
                  + "] \(r.epoch + 1)/\(maxEpochs) epochs", terminator: "")
            fflush(nil)
        } else {
            log(line)
        }
    }
}
