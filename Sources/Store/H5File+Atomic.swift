import Foundation

extension H5File {
    /// Writes a new HDF5 file at `path` through `body`, replaced atomically (AtomicFile): the file
    /// is renamed into place only after `body` returned and the file closed cleanly.
    public static func writeAtomically(to path: String, _ body: (H5File) throws -> Void) throws {
        try AtomicFile.replace(path) { temporary in
            let file = try create(temporary, overwrite: true)
            do {
                try body(file)
                try file.close()
            } catch {
                try? file.close()
                throw error
            }
        }
    }
}
