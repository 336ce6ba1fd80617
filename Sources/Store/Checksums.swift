import CHDF5

// Every file SpikeSAE creates checks itself on read (docs/data.md §7): raw data through HDF5's
// Fletcher32 filter, metadata (object headers, chunk indexes, the superblock) through the
// checksums of the 1.10 file format. Both are HDF5's own; a reader verifies them on every read.

/// Object headers hold at most 64 KiB per message; a longer string attribute would move to
/// dense storage, whose heap blocks carry no checksum, so it is refused instead.
let maxCheckedStringBytes = 65_000

/// Makes `fapl` create files in the 1.10 format, whose metadata blocks all carry checksums.
/// Files written this way need HDF5 1.10 or later to read (h5py wheels ship 1.12+).
func requireChecksummedFormat(_ fapl: hid_t) -> herr_t {
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, chdf5_libver_latest())
}

/// Keeps links and attributes inside their object header (checksummed) instead of moving them
/// past 8 entries into a fractal heap, whose blocks HDF5 writes without checksums.
func keepCompact(_ plist: hid_t, links: Bool) -> herr_t {
    guard H5Pset_attr_phase_change(plist, 65535, 0) >= 0 else { return -1 }
    return links ? H5Pset_link_phase_change(plist, 65535, 0) : 0
}

/// A file-creation list whose root group keeps links and attributes checksummed.
func makeFileCreate() -> hid_t {
    let fcpl = H5Pcreate(chdf5_p_file_create())
    guard fcpl >= 0 else { return fcpl }
    guard keepCompact(fcpl, links: true) >= 0 else { H5Pclose(fcpl); return -1 }
    return fcpl
}

/// Adds the Fletcher32 checksum last in the pipeline (after any compression), so a damaged
/// chunk is refused before it reaches the decompressor. HDF5 filters need a chunked layout.
func setChecksummedChunks(_ dcpl: hid_t, chunk: [hsize_t], compress: Bool) -> Bool {
    guard H5Pset_chunk(dcpl, Int32(chunk.count), chunk) >= 0 else { return false }
    if compress { guard H5Pset_shuffle(dcpl) >= 0, H5Pset_deflate(dcpl, 4) >= 0 else { return false } }
    return H5Pset_fletcher32(dcpl) >= 0 && keepCompact(dcpl, links: false) >= 0
}

/// Whether an HDF5 error message is a checksum mismatch (raw data or metadata).
func isChecksumFailure(_ message: String) -> Bool {
    message.lowercased().contains("checksum")
}

extension H5File {
    /// Creates the missing groups above `name` with compact (checksummed) links and attributes;
    /// HDF5's own intermediate-group creation would use the defaults. Call under the lock.
    func makeParents(of name: String) throws {
        let fid = try openID()
        var prefix = ""
        for part in name.split(separator: "/").dropLast() {
            prefix += "/" + part
            switch try kind(of: prefix) {
            case .group: continue
            case .missing: break
            case .dataset, .other:
                throw StoreError.writeFailed(file: path, dataset: display(name),
                                             message: "'\(display(prefix))' exists and is not a group")
            }
            let gcpl = H5Pcreate(chdf5_p_group_create())
            guard gcpl >= 0 else { throw StoreError.writeFailed(file: path, dataset: display(name), message: hdf5ErrorMessage()) }
            defer { H5Pclose(gcpl) }
            guard keepCompact(gcpl, links: true) >= 0 else {
                throw StoreError.writeFailed(file: path, dataset: display(name), message: hdf5ErrorMessage())
            }
            let gid = H5Gcreate2(fid, prefix, chdf5_p_default(), gcpl, chdf5_p_default())
            guard gid >= 0 else { throw StoreError.writeFailed(file: path, dataset: display(name), message: hdf5ErrorMessage()) }
            H5Gclose(gid)
        }
    }
}

extension H5File {
    /// Throws `corrupt` when the failure on HDF5's error stack is a checksum mismatch met while
    /// looking up `object`, which would otherwise read as "not found". Call under the lock.
    func throwIfCorrupt(_ object: String) throws {
        guard let checksum = hdf5ChecksumFailure() else { return }
        H5Eclear2(chdf5_e_default())
        throw StoreError.corrupt(file: path, object: "'\(display(object))'", message: checksum)
    }
}

extension H5File {
    /// Where each stored chunk of `dataset` lies in the file (byte offset and size): lets tests
    /// damage exactly one dataset's data and check that the error names it.
    package func chunkLocations(_ dataset: String) throws -> [(offset: Int, size: Int)] {
        try withDataset(dataset) { did, _ in
            let space = H5Dget_space(did)
            guard space >= 0 else { throw readFailure(dataset) }
            defer { H5Sclose(space) }
            var count: hsize_t = 0
            guard H5Dget_num_chunks(did, space, &count) >= 0 else { throw readFailure(dataset) }
            return try (0..<count).map { i in
                var mask: UInt32 = 0, address: haddr_t = 0, size: hsize_t = 0
                guard H5Dget_chunk_info(did, space, i, nil, &mask, &address, &size) >= 0 else { throw readFailure(dataset) }
                return (Int(address), Int(size))
            }
        }
    }
}

extension H5File {
    /// Reads every numeric dataset under `group` once, so that a damaged one is refused (with
    /// its name) even when the caller would not have read it; readers that use only part of a
    /// file call this before trusting the rest.
    public func verifyChecksums(under group: String = "/") throws {
        let prefix = group == "/" ? "" : group + "/"
        for name in datasetNames(in: group) where try info(prefix + name).kind.isNumeric {
            _ = try readDouble(prefix + name)
            if let sealed = try stringAttribute(Self.sealAttribute, on: prefix + name),
               try storedSHA256(prefix + name) != sealed {
                throw StoreError.corrupt(file: path, object: "dataset '\(display(prefix + name))'",
                                         message: "its data no longer matches the SHA-256 recorded when it was written")
            }
        }
        for name in groupNames(in: group) { try verifyChecksums(under: prefix + name) }
    }

    /// The attribute that carries the SHA-256 of a dataset's stored bytes where HDF5 cannot
    /// checksum them: the rows of a results.h5 written through parallel HDF5, which allows no
    /// filters with the independent writes the MPI search makes.
    static let sealAttribute = "sha256"

    /// Records the SHA-256 of every numeric dataset's stored bytes below `group` as its `sha256`
    /// attribute, which `verifyChecksums` checks. Run on a file every writer has closed.
    public func sealDatasets(under group: String = "/") throws {
        let prefix = group == "/" ? "" : group + "/"
        for name in datasetNames(in: group) where try info(prefix + name).kind.isNumeric {
            try setAttribute(Self.sealAttribute, string: try storedSHA256(prefix + name), on: prefix + name)
        }
        for name in groupNames(in: group) { try sealDatasets(under: prefix + name) }
    }

    /// SHA-256 of a dataset's values in their stored type (native byte order).
    func storedSHA256(_ dataset: String) throws -> String {
        try withDataset(dataset) { did, fileType in
            let memoryType = H5Tget_native_type(fileType, H5T_DIR_DEFAULT)
            guard memoryType >= 0 else { throw readFailure(dataset) }
            defer { H5Tclose(memoryType) }
            let count = try shape(of: did, dataset).reduce(1, *)
            var bytes = [UInt8](repeating: 0, count: count * H5Tget_size(memoryType))
            if count > 0 {
                guard H5Dread(did, memoryType, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), &bytes) >= 0 else {
                    throw readFailure(dataset)
                }
            }
            return sha256Hex(bytes)
        }
    }
}
