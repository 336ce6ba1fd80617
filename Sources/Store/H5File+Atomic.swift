import Foundation

extension H5File {
    /// Writes a new file at `path` through `body` so that readers see either the old
    /// file or the complete new one: the data goes to `path.tmp-<pid>`, which is synced
    /// and renamed over `path` only after `body` returned and the file closed cleanly.
    public static func writeAtomically(to path: String, _ body: (H5File) throws -> Void) throws {
        let temporary = "\(path).tmp-\(getpid())"
        let file = try create(temporary, overwrite: true)
        do {
            try body(file)
            try file.close()
            try syncToDisk(temporary)
            guard rename(temporary, path) == 0 else {
                throw StoreError.renameFailed(from: temporary, to: path, reason: posixError())
            }
        } catch {
            try? file.close()
            unlink(temporary)
            throw error
        }
    }

    /// Without this, a crash soon after the rename can leave `path` naming an empty file.
    private static func syncToDisk(_ path: String) throws {
        let fd = Foundation.open(path, O_RDONLY)
        guard fd >= 0 else { throw StoreError.cannotOpen(file: path, reason: posixError()) }
        defer { Foundation.close(fd) }
        guard fsync(fd) == 0 else {
            throw StoreError.cannotCreate(file: path, reason: "fsync failed: \(posixError())")
        }
    }
}
