import Foundation

/// The one way SpikeSAE replaces a file: readers see either the old file or the complete new one,
/// and a crash right after the rename cannot leave `path` naming an empty file. The new content goes
/// to `path.tmp-<pid>`, which is synced and renamed over `path`; every system call is checked.
public enum AtomicFile {
    /// Lets `body` create the file at the temporary path it is given, then syncs and renames it over
    /// `path`. On any error the temporary file is removed.
    public static func replace(_ path: String, _ body: (_ temporary: String) throws -> Void) throws {
        let temporary = "\(path).tmp-\(getpid())"
        do {
            try body(temporary)
            try commit(temporary, to: path)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    public static func write(_ data: Data, to path: String) throws {
        try replace(path) { tmp in
            let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw StoreError.cannotCreate(file: tmp, reason: posixError()) }
            defer { close(fd) }
            try data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw StoreError.cannotCreate(file: tmp, reason: "write failed: \(posixError())") }
                    offset += n
                }
            }
        }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// fsync(temporary), then rename it over `path`.
    public static func commit(_ temporary: String, to path: String) throws {
        let fd = open(temporary, O_RDONLY)
        guard fd >= 0 else { throw StoreError.cannotOpen(file: temporary, reason: posixError()) }
        let synced = fsync(fd) == 0 ? nil : posixError()
        guard close(fd) == 0 else { throw StoreError.cannotCreate(file: temporary, reason: "close failed: \(posixError())") }
        if let synced { throw StoreError.cannotCreate(file: temporary, reason: "fsync failed: \(synced)") }
        guard rename(temporary, path) == 0 else {
            throw StoreError.renameFailed(from: temporary, to: path, reason: posixError())
        }
    }
}
