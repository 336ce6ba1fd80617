import Foundation
import Store

/// The search's own checkpoint files, search_state.json and each line of the journal, carry the
/// SHA-256 of their JSON, as every HDF5 file carries HDF5's checksums (docs/data.md §7): the file
/// reads {"sha256":"<hex>","content":<the JSON>}. A file that does not start that way was written
/// before checksums and is read as it is.
enum SealedJSON {
    private static let head = Array(#"{"sha256":""#.utf8), middle = Array(#"","content":"#.utf8)
    private static let digestLength = 64

    static func seal(_ body: Data) -> Data {
        var out = Data(head)
        out.append(contentsOf: Array(sha256Hex([UInt8](body)).utf8))
        out.append(contentsOf: middle)
        out.append(body)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The JSON inside a sealed file, verified; `what` names the file (and line) in the error.
    static func open(_ data: Data, what: String) throws -> Data {
        let bytes = [UInt8](data)
        guard bytes.starts(with: head) else { return data }
        let digestEnd = head.count + digestLength, bodyStart = digestEnd + middle.count
        guard bytes.count > bodyStart, Array(bytes[digestEnd..<bodyStart]) == middle, bytes.last == UInt8(ascii: "}") else {
            throw SealError("\(what) is corrupt: its checksum envelope is damaged")
        }
        let body = Array(bytes[bodyStart..<(bytes.count - 1)])
        guard sha256Hex(body) == String(decoding: bytes[head.count..<digestEnd], as: UTF8.self) else {
            throw SealError("\(what) is corrupt: it fails its SHA-256 checksum; the file was damaged after it was written")
        }
        return Data(body)
    }
}

struct SealError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
