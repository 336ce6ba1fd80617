import CHDF5
import Foundation

/// An open HDF5 file holding named arrays and attributes; paths are relative to the root.
public final class H5File: @unchecked Sendable {  // all state is touched under the HDF5 lock
    public let path: String
    public let isWritable: Bool
    private var fileID: hid_t
    /// Opened through the MPI-IO driver (`createParallel`): its writes are independent, and HDF5
    /// allows filters (the checksum) only with collective ones (docs/data.md §7).
    var isParallel = false

    init(path: String, fileID: hid_t, writable: Bool) {
        self.path = path
        self.fileID = fileID
        self.isWritable = writable
    }

    deinit {
        withHDF5 { if fileID >= 0 { _ = H5Fclose(fileID) } }
    }

    /// Opens an existing file through the default serial driver.
    public static func open(_ path: String, writable: Bool = false) throws -> H5File {
        // HDF5 reports a missing file as a corrupt one; ask the OS first for a plain reason.
        var st = stat()
        guard stat(path, &st) == 0 else { throw StoreError.cannotOpen(file: path, reason: posixError()) }
        guard st.st_mode & S_IFMT != S_IFDIR else {
            throw StoreError.cannotOpen(file: path, reason: posixError(EISDIR))
        }
        let fd = Foundation.open(path, writable ? O_RDWR : O_RDONLY)
        guard fd >= 0 else { throw StoreError.cannotOpen(file: path, reason: posixError()) }
        Foundation.close(fd)

        return try withHDF5 {
            let fapl = makeFileAccess()
            guard fapl >= 0 else { throw StoreError.cannotOpen(file: path, reason: hdf5ErrorMessage()) }
            defer { H5Pclose(fapl) }
            let id = H5Fopen(path, writable ? chdf5_f_acc_rdwr() : chdf5_f_acc_rdonly(), fapl)
            guard id >= 0 else {
                let message = hdf5ErrorMessage()
                // Locked or opened elsewhere: the file itself is fine, so don't call it corrupt.
                if message.contains("unable to lock") || message.contains("already open") {
                    throw StoreError.cannotOpen(file: path, reason: message)
                }
                if isChecksumFailure(message) {
                    throw StoreError.corrupt(file: path, object: "its superblock", message: message)
                }
                throw StoreError.notHDF5(file: path, message: message)
            }
            return H5File(path: path, fileID: id, writable: writable)
        }
    }

    /// Creates a new file; with `overwrite` false an existing file is an error, never clobbered.
    public static func create(_ path: String, overwrite: Bool) throws -> H5File {
        if !overwrite && access(path, F_OK) == 0 {
            throw StoreError.cannotCreate(file: path, reason: "file exists (pass overwrite: true to replace it)")
        }
        let parent = (path as NSString).deletingLastPathComponent
        if access(parent.isEmpty ? "." : parent, W_OK | X_OK) != 0 {
            throw StoreError.cannotCreate(file: path, reason: "directory '\(parent)': \(posixError())")
        }
        return try withHDF5 {
            let fapl = makeFileAccess()
            guard fapl >= 0, requireChecksummedFormat(fapl) >= 0 else {
                throw StoreError.cannotCreate(file: path, reason: hdf5ErrorMessage())
            }
            defer { H5Pclose(fapl) }
            let fcpl = makeFileCreate()
            guard fcpl >= 0 else { throw StoreError.cannotCreate(file: path, reason: hdf5ErrorMessage()) }
            defer { H5Pclose(fcpl) }
            let flags = overwrite ? chdf5_f_acc_trunc() : chdf5_f_acc_excl()
            let id = H5Fcreate(path, flags, fcpl, fapl)
            guard id >= 0 else { throw StoreError.cannotCreate(file: path, reason: hdf5ErrorMessage()) }
            return H5File(path: path, fileID: id, writable: true)
        }
    }

    /// Flushes and closes the file; later calls do nothing.
    public func close() throws {
        try withHDF5 {
            guard fileID >= 0 else { return }
            let id = fileID
            fileID = -1
            guard H5Fclose(id) >= 0 else {
                throw StoreError.closeFailed(file: path, message: hdf5ErrorMessage())
            }
        }
    }

    /// The file id, or an error naming the file once it is closed. Call under the lock.
    func openID() throws -> hid_t {
        guard fileID >= 0 else { throw StoreError.fileClosed(file: path) }
        return fileID
    }

    /// Datasets, groups and attributes open in this file, including the file itself.
    var openObjectCount: Int {
        withHDF5 { fileID < 0 ? 0 : Int(H5Fget_obj_count(fileID, chdf5_f_obj_all())) }
    }
}

// MARK: - Names and kinds of objects

enum ObjectKind: Equatable {
    case missing, group, dataset, other(String)
}

extension H5File {
    /// Names of the datasets directly inside `group`, sorted; empty if the group is missing.
    public func datasetNames(in group: String = "/") -> [String] {
        children(of: group, ofType: H5O_TYPE_DATASET)
    }

    /// Names of the groups directly inside `group`, sorted; empty if the group is missing.
    public func groupNames(in group: String = "/") -> [String] {
        children(of: group, ofType: H5O_TYPE_GROUP)
    }

    /// Whether a group or dataset exists at `path` ("x", "/x", "params/gen.W_h").
    public func exists(_ path: String) -> Bool {
        withHDF5 { (try? kind(of: path)).map { $0 != .missing } ?? false }
    }

    /// Call under the lock.
    func kind(of path: String) throws -> ObjectKind {
        let fid = try openID()
        // H5Lexists fails, rather than answering false, when an intermediate group is
        // missing, so each prefix is checked in turn.
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += "/" + part
            let found = H5Lexists(fid, prefix, chdf5_p_default())
            guard found > 0 else {
                if found < 0 { try throwIfCorrupt(path) }
                H5Eclear2(chdf5_e_default())
                return .missing
            }
        }
        let oid = H5Oopen(fid, prefix.isEmpty ? "/" : prefix, chdf5_p_default())
        guard oid >= 0 else {
            try throwIfCorrupt(path)
            H5Eclear2(chdf5_e_default())  // a dangling soft or external link
            return .missing
        }
        defer { H5Oclose(oid) }
        switch H5Iget_type(oid) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        case H5I_DATATYPE: return .other("named datatype")
        default: return .other("object")
        }
    }

    private func children(of group: String, ofType type: H5O_type_t) -> [String] {
        withHDF5 {
            guard (try? kind(of: group)) == .group, let fid = try? openID() else { return [] }
            let gid = H5Gopen2(fid, group, chdf5_p_default())
            guard gid >= 0 else { return [] }
            defer { H5Gclose(gid) }
            var ginfo = H5G_info_t()
            guard H5Gget_info(gid, &ginfo) >= 0 else { return [] }
            var names: [String] = []
            for i in 0..<ginfo.nlinks {
                var info = H5O_info_t()
                guard H5Oget_info_by_idx2(gid, ".", H5_INDEX_NAME, H5_ITER_INC, i, &info,
                                          UInt32(H5O_INFO_BASIC), chdf5_p_default()) >= 0 else {
                    H5Eclear2(chdf5_e_default())
                    continue
                }
                if info.type == type, let name = linkName(gid, i) { names.append(name) }
            }
            return names.sorted()
        }
    }

    private func linkName(_ gid: hid_t, _ index: hsize_t) -> String? {
        let length = H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, chdf5_p_default())
        guard length >= 0 else { return nil }
        return readCString(capacity: Int(length) + 1) {
            H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, index, $0, $1, chdf5_p_default()) >= 0
        }
    }

    /// What the nearest existing group above `path` holds, for "not found" messages.
    func presentNear(_ path: String) -> [String] {
        var parts = path.split(separator: "/").map(String.init)
        if !parts.isEmpty { parts.removeLast() }
        while !parts.isEmpty && (try? kind(of: parts.joined(separator: "/"))) != .group {
            parts.removeLast()
        }
        let group = parts.joined(separator: "/")
        let prefix = group.isEmpty ? "" : group + "/"
        return datasetNames(in: group.isEmpty ? "/" : group).map { prefix + $0 }
            + groupNames(in: group.isEmpty ? "/" : group).map { prefix + $0 + "/" }
    }

    /// `path` as users wrote it, without the leading slash HDF5 does not need (root stays "/").
    func display(_ path: String) -> String {
        let trimmed = path.split(separator: "/").joined(separator: "/")
        return trimmed.isEmpty ? "/" : trimmed
    }
}
