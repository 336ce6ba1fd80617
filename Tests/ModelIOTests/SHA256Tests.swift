import Foundation
import Testing
@testable import ModelIO
import Store

/// FIPS 180-4 test vectors, block-boundary lengths and streaming.
struct SHA256Tests {
    @Test func knownVectors() {
        #expect(sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(sha256Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)) ==
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(sha256Hex([UInt8](repeating: 0x61, count: 1_000_000)) ==
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func streamingInOddPiecesMatchesOneShot() {
        // Lengths around the 55/56/64-byte padding boundaries, fed in pieces that straddle blocks.
        for length in [55, 56, 63, 64, 65, 119, 120, 1000] {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var hasher = SHA256Hasher()
            var start = 0, piece = 1
            while start < length {
                let end = min(start + piece, length)
                hasher.update(Array(message[start..<end]))
                start = end
                piece = piece * 3 % 71 + 1
            }
            #expect(hexString(hasher.finalize()) == sha256Hex(message), "length \(length)")
        }
    }

    @Test func fileHash() throws {
        let dir = try TempDirectory()
        let path = dir.file("abc.txt")
        try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try fileSHA256(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let missing = dir.file("none")
        #expect(throws: DatasetError("cannot open \(missing): No such file or directory")) { try fileSHA256(missing) }
    }
}
