import CHDF5
import Foundation

/// Parallel HDF5 through the MPI-IO driver (docs/hpc.md §6): every rank of a communicator opens the
/// file; creating datasets, extending them, attributes and closing are collective; rows of a
/// dataset are then written independently by whichever rank owns them.
extension H5File {
    /// Collective: creates (truncating) `path` on every rank of `communicator`.
    public static func createParallel(_ path: String, communicator: MPI_Comm) throws -> H5File {
        try withHDF5 {
            let fapl = H5Pcreate(chdf5_p_file_access())
            guard fapl >= 0, H5Pset_fapl_mpio(fapl, communicator, chdf5_info_null()) >= 0,
                  requireChecksummedFormat(fapl) >= 0 else {
                throw StoreError.cannotCreate(file: path, reason: hdf5ErrorMessage())
            }
            defer { H5Pclose(fapl) }
            let fcpl = makeFileCreate()
            guard fcpl >= 0 else { throw StoreError.cannotCreate(file: path, reason: hdf5ErrorMessage()) }
            defer { H5Pclose(fcpl) }
            let id = H5Fcreate(path, chdf5_f_acc_trunc(), fcpl, fapl)
            guard id >= 0 else { throw StoreError.cannotCreate(file: path, reason: hdf5ErrorMessage()) }
            let file = H5File(path: path, fileID: id, writable: true)
            file.isParallel = true
            return file
        }
    }

    /// Collective: a chunked, unfiltered float64 (or int64) dataset [rows, rowShape...] that can
    /// grow or shrink along its first dimension, every element `fill`. No filters, so ranks can
    /// write its rows independently.
    public enum RowType: Sendable { case float32, float64, int64 }

    public func createRows(_ name: String, rows: Int, rowShape: [Int], type rowType: RowType, fill: Double) throws {
        try withHDF5 {
            let fid = try openID()
            func failure() -> StoreError { .writeFailed(file: path, dataset: display(name), message: hdf5ErrorMessage()) }
            let dims = ([rows] + rowShape).map { hsize_t($0) }
            let maxDims = [chdf5_s_unlimited()] + rowShape.map { hsize_t($0) }
            let space = H5Screate_simple(Int32(dims.count), dims, maxDims)
            guard space >= 0 else { throw failure() }
            defer { H5Sclose(space) }
            let dcpl = H5Pcreate(chdf5_p_dataset_create())
            guard dcpl >= 0 else { throw failure() }
            defer { H5Pclose(dcpl) }
            let chunk = ([max(1, min(rows, 64))] + rowShape.map { max($0, 1) }).map { hsize_t($0) }
            let type: hid_t, ok: herr_t
            switch rowType {
            case .float32: type = chdf5_native_float(); var f = Float(fill); ok = H5Pset_fill_value(dcpl, type, &f)
            case .float64: type = chdf5_native_double(); var f = fill; ok = H5Pset_fill_value(dcpl, type, &f)
            case .int64: type = chdf5_native_int64(); var f = Int64(fill.isFinite ? fill : -1); ok = H5Pset_fill_value(dcpl, type, &f)
            }
            guard H5Pset_chunk(dcpl, Int32(chunk.count), chunk) >= 0, ok >= 0,
                  keepCompact(dcpl, links: false) >= 0 else { throw failure() }
            try makeParents(of: name)
            let lcpl = H5Pcreate(chdf5_p_link_create())
            guard lcpl >= 0 else { throw failure() }
            defer { H5Pclose(lcpl) }
            H5Pset_create_intermediate_group(lcpl, 1)
            let did = H5Dcreate2(fid, name, type, space, lcpl, dcpl, chdf5_p_default())
            guard did >= 0 else { throw failure() }
            H5Dclose(did)
        }
    }

    /// Independent: writes `values` (row-major) into rows [row, row + n) of a `createRows` dataset.
    public func writeRows(_ name: String, at row: Int, doubles: [Double]) throws {
        try writeRowsRaw(name, at: row, count: doubles.count, type: chdf5_native_double()) { body in
            doubles.withUnsafeBufferPointer { body(UnsafeRawPointer($0.baseAddress!)) }
        }
    }

    public func writeRows(_ name: String, at row: Int, floats: [Float]) throws {
        try writeRowsRaw(name, at: row, count: floats.count, type: chdf5_native_float()) { body in
            floats.withUnsafeBufferPointer { body(UnsafeRawPointer($0.baseAddress!)) }
        }
    }

    public func writeRows(_ name: String, at row: Int, int64s: [Int64]) throws {
        try writeRowsRaw(name, at: row, count: int64s.count, type: chdf5_native_int64()) { body in
            int64s.withUnsafeBufferPointer { body(UnsafeRawPointer($0.baseAddress!)) }
        }
    }

    private func writeRowsRaw(_ name: String, at row: Int, count: Int, type: hid_t,
                              _ with: ((UnsafeRawPointer) -> herr_t) -> herr_t) throws {
        guard count > 0 else { return }
        try withHDF5 {
            let fid = try openID()
            func failure() -> StoreError { .writeFailed(file: path, dataset: display(name), message: hdf5ErrorMessage()) }
            let did = H5Dopen2(fid, name, chdf5_p_default())
            guard did >= 0 else { throw failure() }
            defer { H5Dclose(did) }
            let fspace = H5Dget_space(did)
            guard fspace >= 0 else { throw failure() }
            defer { H5Sclose(fspace) }
            let rank = Int(H5Sget_simple_extent_ndims(fspace))
            var dims = [hsize_t](repeating: 0, count: rank)
            H5Sget_simple_extent_dims(fspace, &dims, nil)
            let perRow = dims.dropFirst().reduce(1) { $0 * Int($1) }
            guard perRow > 0, count % perRow == 0, row + count / perRow <= Int(dims[0]) else {
                throw StoreError.badShape(file: path, dataset: display(name), shape: [count / max(perRow, 1)] + dims.dropFirst().map { Int($0) },
                                          count: count)
            }
            var start = [hsize_t](repeating: 0, count: rank), extent = dims
            start[0] = hsize_t(row); extent[0] = hsize_t(count / perRow)
            guard H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nil, extent, nil) >= 0 else { throw failure() }
            let mspace = H5Screate_simple(Int32(rank), extent, nil)
            guard mspace >= 0 else { throw failure() }
            defer { H5Sclose(mspace) }
            let dxpl = H5Pcreate(chdf5_p_dataset_xfer())
            guard dxpl >= 0 else { throw failure() }
            defer { H5Pclose(dxpl) }
            H5Pset_dxpl_mpio(dxpl, chdf5_mpio_independent())
            guard with({ H5Dwrite(did, type, mspace, fspace, dxpl, $0) }) >= 0 else { throw failure() }
        }
    }
}
