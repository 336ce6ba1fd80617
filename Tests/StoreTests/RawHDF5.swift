import CHDF5
import XCTest
@testable import Store

struct StorageLayout: Equatable {
    var chunked: Bool
    var filters: [String]
}

struct RawHDF5Error: Error, CustomStringConvertible {
    let description: String
}

/// Direct HDF5 calls for what Store deliberately does not write (strings, compounds,
/// fixed-length attributes) and for checking how it stored things. Each call opens the
/// file by path, so a Store handle on it should be closed first.
enum RawHDF5 {
    static func withFile<R>(_ path: String, writable: Bool = true, _ body: (hid_t) throws -> R) throws -> R {
        try withHDF5 {
            let fid = H5Fopen(path, writable ? chdf5_f_acc_rdwr() : chdf5_f_acc_rdonly(), chdf5_p_default())
            try check(fid, "H5Fopen \(path)")
            defer { H5Fclose(fid) }
            return try body(fid)
        }
    }

    static func check<I: BinaryInteger>(_ status: I, _ what: String) throws {
        if status < 0 { throw RawHDF5Error(description: "\(what): \(hdf5ErrorMessage())") }
    }

    static func storageLayout(_ path: String, _ dataset: String) throws -> StorageLayout {
        try withFile(path, writable: false) { fid in
            let did = H5Dopen2(fid, dataset, chdf5_p_default())
            try check(did, "H5Dopen2")
            defer { H5Dclose(did) }
            let dcpl = H5Dget_create_plist(did)
            try check(dcpl, "H5Dget_create_plist")
            defer { H5Pclose(dcpl) }
            let filters = (0..<H5Pget_nfilters(dcpl)).map { i -> String in
                var flags: UInt32 = 0
                var count = 0
                var name = [CChar](repeating: 0, count: 64)
                let filter = H5Pget_filter2(dcpl, UInt32(i), &flags, &count, nil, name.count, &name, nil)
                switch filter {
                case H5Z_FILTER_SHUFFLE: return "shuffle"
                case H5Z_FILTER_DEFLATE: return "deflate"
                default: return "filter \(filter)"
                }
            }
            return StorageLayout(chunked: H5Pget_layout(dcpl) == H5D_CHUNKED, filters: filters)
        }
    }

    /// A 1-D dataset of fixed-length strings.
    static func writeStrings(_ path: String, _ dataset: String, _ values: [String], width: Int = 8) throws {
        try withFile(path) { fid in
            let type = H5Tcopy(chdf5_c_s1())
            defer { H5Tclose(type) }
            try check(H5Tset_size(type, width), "H5Tset_size")
            var bytes = [UInt8](repeating: 0, count: width * values.count)
            for (i, value) in values.enumerated() {
                for (j, byte) in value.utf8.prefix(width).enumerated() { bytes[i * width + j] = byte }
            }
            try writeDataset(fid, dataset, type: type, dims: [hsize_t(values.count)], bytes: bytes)
        }
    }

    /// A 1-D dataset of {int32 a; float64 b} records.
    static func writeCompound(_ path: String, _ dataset: String) throws {
        try withFile(path) { fid in
            let type = H5Tcreate(H5T_COMPOUND, 16)
            defer { H5Tclose(type) }
            try check(H5Tinsert(type, "a", 0, chdf5_native_int32()), "H5Tinsert a")
            try check(H5Tinsert(type, "b", 8, chdf5_native_double()), "H5Tinsert b")
            try writeDataset(fid, dataset, type: type, dims: [2], bytes: [UInt8](repeating: 0, count: 32))
        }
    }

    /// A 1-D dataset of numpy bools as h5py stores them: an int8 enum {FALSE, TRUE}.
    static func writeBools(_ path: String, _ dataset: String, _ values: [Bool]) throws {
        try withFile(path) { fid in
            let type = H5Tenum_create(chdf5_native_int8())
            defer { H5Tclose(type) }
            var no: Int8 = 0, yes: Int8 = 1
            try check(H5Tenum_insert(type, "FALSE", &no), "H5Tenum_insert")
            try check(H5Tenum_insert(type, "TRUE", &yes), "H5Tenum_insert")
            try writeDataset(fid, dataset, type: type, dims: [hsize_t(values.count)],
                             bytes: values.map { $0 ? 1 : 0 })
        }
    }

    private static func writeDataset(_ fid: hid_t, _ name: String, type: hid_t, dims: [hsize_t], bytes: [UInt8]) throws {
        let space = H5Screate_simple(Int32(dims.count), dims, nil)
        try check(space, "H5Screate_simple")
        defer { H5Sclose(space) }
        let did = H5Dcreate2(fid, name, type, space, chdf5_p_default(), chdf5_p_default(), chdf5_p_default())
        try check(did, "H5Dcreate2")
        defer { H5Dclose(did) }
        try check(H5Dwrite(did, type, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), bytes), "H5Dwrite")
    }

    /// A scalar fixed-length string attribute, as numpy `bytes_` values are stored.
    static func setFixedStringAttribute(_ path: String, _ name: String, _ value: String, on object: String = "/",
                                        width: Int, pad: H5T_str_t) throws {
        try withFile(path) { fid in
            let type = H5Tcopy(chdf5_c_s1())
            defer { H5Tclose(type) }
            try check(H5Tset_size(type, width), "H5Tset_size")
            try check(H5Tset_strpad(type, pad), "H5Tset_strpad")
            let padding: UInt8 = pad == H5T_STR_SPACEPAD ? 0x20 : 0
            var bytes = [UInt8](repeating: padding, count: width)
            for (i, byte) in value.utf8.prefix(width).enumerated() { bytes[i] = byte }
            try writeAttribute(fid, object, name, type: type, dims: [], bytes: bytes)
        }
    }

    /// A 1-D int64 attribute, which the scalar readers must refuse.
    static func setInt64ArrayAttribute(_ path: String, _ name: String, _ values: [Int64], on object: String = "/") throws {
        try withFile(path) { fid in
            let bytes = values.withUnsafeBytes { Array($0) }
            try writeAttribute(fid, object, name, type: chdf5_native_int64(), dims: [hsize_t(values.count)], bytes: bytes)
        }
    }

    private static func writeAttribute(_ fid: hid_t, _ object: String, _ name: String, type: hid_t,
                                       dims: [hsize_t], bytes: [UInt8]) throws {
        let oid = H5Oopen(fid, object, chdf5_p_default())
        try check(oid, "H5Oopen")
        defer { H5Oclose(oid) }
        let space = dims.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), dims, nil)
        try check(space, "H5Screate")
        defer { H5Sclose(space) }
        let aid = H5Acreate2(oid, name, type, space, chdf5_p_default(), chdf5_p_default())
        try check(aid, "H5Acreate2")
        defer { H5Aclose(aid) }
        try check(H5Awrite(aid, type, bytes), "H5Awrite")
    }
}

extension RawHDF5 {
    /// Byte offset and stored size of a chunked dataset's first chunk.
    static func firstChunk(_ path: String, _ dataset: String) throws -> (offset: UInt64, size: Int) {
        try withFile(path, writable: false) { fid in
            let did = H5Dopen2(fid, dataset, chdf5_p_default())
            try check(did, "H5Dopen2")
            defer { H5Dclose(did) }
            let space = H5Dget_space(did)
            try check(space, "H5Dget_space")
            defer { H5Sclose(space) }
            var coords = [hsize_t](repeating: 0, count: 8)
            var mask: UInt32 = 0
            var address: haddr_t = 0
            var size: hsize_t = 0
            try check(H5Dget_chunk_info(did, space, 0, &coords, &mask, &address, &size), "H5Dget_chunk_info")
            return (UInt64(address), Int(size))
        }
    }
}
