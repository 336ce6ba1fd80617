import Foundation

/// Damages a file in place the ways disks and copies do, for the integrity tests (docs/data.md §7).
public enum FileDamage {
    /// Inverts every bit of the byte at `offset`.
    public static func flip(_ path: String, at offset: Int) throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[offset] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Sets `count` bytes from `offset` to zero (a lost block), clipped to the file's end.
    public static func zero(_ path: String, from offset: Int, count: Int) throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        for i in offset..<min(offset + count, bytes.count) { bytes[i] = 0 }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Cuts the file to its first `length` bytes (an interrupted copy).
    public static func truncate(_ path: String, to length: Int) throws {
        guard Foundation.truncate(path, off_t(length)) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    /// The file's size in bytes.
    public static func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
    }
}
