import Foundation
import Store

/// SHA-256 of a file's bytes as lower-case hex, read in 1 MiB pieces so large files stay out of memory.
public func fileSHA256(_ path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw DatasetError("cannot open \(path): \(String(cString: strerror(errno)))")
    }
    defer { try? handle.close() }
    var hasher = SHA256Hasher()
    while true {
        let piece: Data
        do { piece = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
            throw DatasetError("cannot read \(path): \(error.localizedDescription)")
        }
        if piece.isEmpty { break }
        piece.withUnsafeBytes { hasher.update($0) }
    }
    return hexString(hasher.finalize())
}
