import Config
import Foundation

/// The data file of a run in its output directory, and what the run may undo there. A fresh run's
/// generated data (`data.synth`) go to `data.h5.pending` and replace data.h5 only once the run's
/// input proved good, so a refused `--force` run costs the previous outputs nothing (train, search).
package struct PendingData {
    /// Fresh generated data: they are written to `path` and moved to `finalPath` by `commit`.
    package let generated: Bool
    /// Where this run writes and reads its synthetic data now; `finalPath` where they end up.
    package let path: String, finalPath: String
    let dir: String, madeDir: Bool

    /// leader: the one process that writes; a directory it finds missing now is this run's to undo.
    package init(dir: String, source: DataSource?, resume: Bool, leader: Bool) {
        self.dir = dir
        finalPath = dir + "/data.h5"
        generated = !resume && { if case .synth? = source { return true } else { return false } }()
        path = generated ? dir + "/" + RunDirectory.pendingData : finalPath
        madeDir = leader && !FileManager.default.fileExists(atPath: dir)
    }

    /// After a refusal: the leader removes the directory this run made, or else its pending data.
    package func undo(leader: Bool) {
        guard leader else { return }
        if madeDir { try? FileManager.default.removeItem(atPath: dir) }
        else if generated { try? FileManager.default.removeItem(atPath: path) }
    }

    /// An error about the generated data, named as the file they would have become.
    package func named(_ error: any Error) -> any Error {
        guard generated else { return error }
        return RunError("\(error)".replacingOccurrences(of: path, with: finalPath) + " (data generated from data.synth; not kept)")
    }

    /// All input is good: the previous run's outputs go (not before: --force) and the data move into place.
    package func commit(_ runDir: RunDirectory, resume: Bool) throws {
        try runDir.prepare(resume: resume, keep: generated ? [RunDirectory.pendingData] : [])
        if generated { try FileManager.default.moveItem(atPath: path, toPath: finalPath) }
    }
}
