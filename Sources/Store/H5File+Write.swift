import CHDF5

/// An on-disk element type for `write(_:shape:doubles:storedAs:)`.
public enum StoredType: Sendable, CaseIterable {
    case int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, float32, float64

    /// A new type id the caller must close.
    func makeType() -> hid_t {
        switch self {
        case .int8: return H5Tcopy(chdf5_native_int8())
        case .int16: return H5Tcopy(chdf5_native_int16())
        case .int32: return H5Tcopy(chdf5_native_int32())
        case .int64: return H5Tcopy(chdf5_native_int64())
        case .uint8: return H5Tcopy(chdf5_native_uint8())
        case .uint16: return H5Tcopy(chdf5_native_uint16())
        case .uint32: return H5Tcopy(chdf5_native_uint32())
        case .uint64: return H5Tcopy(chdf5_native_uint64())
        case .float32: return H5Tcopy(chdf5_native_float())
        case .float64: return H5Tcopy(chdf5_native_double())
        case .float16:
            // HDF5 1.10 has no predefined half type; this is IEEE binary16 as h5py writes it.
            // Fields must be moved before the size shrinks, or H5Tset_size rejects it.
            let t = H5Tcopy(chdf5_ieee_f32le())
            guard t >= 0, H5Tset_fields(t, 15, 10, 5, 0, 10) >= 0, H5Tset_precision(t, 16) >= 0,
                  H5Tset_size(t, 2) >= 0, H5Tset_ebias(t, 15) >= 0 else {
                if t >= 0 { H5Tclose(t) }
                return -1
            }
            return t
        }
    }
}

extension H5File {
    /// Writes a Float array (row-major) as float32; shape [] is a scalar.
    public func write(_ name: String, shape: [Int], floats: [Float], compress: Bool = false,
                      replace: Bool = false) throws {
        try writeArray(name, shape: shape, values: floats, memoryType: chdf5_native_float(),
                       stored: .float32, compress: compress, replace: replace)
    }

    /// Writes a Double array (row-major) as float64; shape [] is a scalar.
    public func write(_ name: String, shape: [Int], doubles: [Double], compress: Bool = false,
                      replace: Bool = false) throws {
        try writeArray(name, shape: shape, values: doubles, memoryType: chdf5_native_double(),
                       stored: .float64, compress: compress, replace: replace)
    }

    /// Writes an Int64 array (row-major) as int64; shape [] is a scalar.
    public func write(_ name: String, shape: [Int], int64s: [Int64], compress: Bool = false,
                      replace: Bool = false) throws {
        try writeArray(name, shape: shape, values: int64s, memoryType: chdf5_native_int64(),
                       stored: .int64, compress: compress, replace: replace)
    }

    /// Writes a UInt8 array (row-major) as uint8; shape [] is a scalar.
    public func write(_ name: String, shape: [Int], uint8s: [UInt8], compress: Bool = false,
                      replace: Bool = false) throws {
        try writeArray(name, shape: shape, values: uint8s, memoryType: chdf5_native_uint8(),
                       stored: .uint8, compress: compress, replace: replace)
    }

    /// Writes Doubles converted to `storedAs`; a value the stored type cannot hold throws.
    public func write(_ name: String, shape: [Int], doubles: [Double], storedAs: StoredType,
                      compress: Bool = false, replace: Bool = false) throws {
        try writeArray(name, shape: shape, values: doubles, memoryType: chdf5_native_double(),
                       stored: storedAs, compress: compress, replace: replace)
    }

    private func writeArray<T>(_ name: String, shape: [Int], values: [T], memoryType: hid_t,
                               stored: StoredType, compress: Bool, replace: Bool) throws {
        try withHDF5 {
            let fid = try openID()
            let shown = display(name)
            guard isWritable else { throw StoreError.readOnly(file: path, object: "dataset '\(shown)'") }
            guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == values.count else {
                throw StoreError.badShape(file: path, dataset: shown, shape: shape, count: values.count)
            }
            let existing = try kind(of: name)
            switch existing {
            case .missing: break
            case .dataset: if !replace { throw StoreError.datasetExists(file: path, dataset: shown) }
            case .group: throw StoreError.notADataset(file: path, path: shown, kind: "group")
            case let .other(kind): throw StoreError.notADataset(file: path, path: shown, kind: kind)
            }
            func failure() -> StoreError {
                .writeFailed(file: path, dataset: shown, message: hdf5ErrorMessage())
            }

            let fileType = stored.makeType()
            guard fileType >= 0 else { throw failure() }
            defer { H5Tclose(fileType) }
            let dims = shape.map { hsize_t($0) }
            let space = shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(shape.count), dims, nil)
            guard space >= 0 else { throw failure() }
            defer { H5Sclose(space) }
            let dcpl = H5Pcreate(chdf5_p_dataset_create())
            guard dcpl >= 0 else { throw failure() }
            defer { H5Pclose(dcpl) }
            // Chunks can be neither scalar nor larger than a fixed dimension. An array is
            // chunked to carry its checksum (docs/data.md §7); a scalar lives inside the dataset's
            // object header (compact), covered by the header's checksum; an empty array has no data.
            // A parallel file's arrays stay as they were (contiguous; compressed only if asked).
            if isParallel {
                if compress && !shape.isEmpty && !values.isEmpty {
                    let chunk = chunkShape(shape, elementSize: Int(H5Tget_size(fileType))).map { hsize_t($0) }
                    guard H5Pset_chunk(dcpl, Int32(chunk.count), chunk) >= 0, H5Pset_shuffle(dcpl) >= 0,
                          H5Pset_deflate(dcpl, 4) >= 0 else { throw failure() }
                }
            } else if !shape.isEmpty && !values.isEmpty {
                let chunk = chunkShape(shape, elementSize: Int(H5Tget_size(fileType))).map { hsize_t($0) }
                guard setChecksummedChunks(dcpl, chunk: chunk, compress: compress) else { throw failure() }
            } else if shape.isEmpty {
                guard H5Pset_layout(dcpl, H5D_COMPACT) >= 0 else { throw failure() }
            }

            // Written unnamed and linked only once complete, so a failed write never leaves
            // a partial dataset behind, nor destroys the one it was to replace.
            let did = H5Dcreate_anon(fid, fileType, space, dcpl, chdf5_p_default())
            guard did >= 0 else { throw failure() }
            defer { H5Dclose(did) }
            if !values.isEmpty {
                let conversion = ConversionFailure()
                let dxpl = makeStrictTransfer(conversion)
                guard dxpl >= 0 else { throw failure() }
                defer { H5Pclose(dxpl) }
                let status = withExtendedLifetime(conversion) {
                    values.withUnsafeBufferPointer {
                        H5Dwrite(did, memoryType, chdf5_s_all(), chdf5_s_all(), dxpl, $0.baseAddress)
                    }
                }
                guard status >= 0 else {
                    if let problem = conversion.problem {
                        H5Eclear2(chdf5_e_default())
                        throw StoreError.writeFailed(file: path, dataset: shown,
                                                     message: "\(problem) does not fit in \(stored)")
                    }
                    throw failure()
                }
            }
            if existing == .dataset {
                guard H5Ldelete(fid, name, chdf5_p_default()) >= 0 else { throw failure() }
            }
            try makeParents(of: name)
            let lcpl = H5Pcreate(chdf5_p_link_create())
            guard lcpl >= 0 else { throw failure() }
            defer { H5Pclose(lcpl) }
            guard H5Pset_create_intermediate_group(lcpl, 1) >= 0,
                  H5Pset_char_encoding(lcpl, H5T_CSET_UTF8) >= 0,
                  H5Olink(did, fid, name, lcpl, chdf5_p_default()) >= 0 else { throw failure() }
        }
    }
}

/// Chunk dimensions of at most ~256 KiB, halving leading axes first so that each chunk
/// keeps whole trailing rows (the order in which arrays are read back).
func chunkShape(_ shape: [Int], elementSize: Int, targetBytes: Int = 256 << 10) -> [Int] {
    var chunk = shape.map { max($0, 1) }
    var axis = 0
    while axis < chunk.count && chunk.reduce(elementSize, *) > targetBytes {
        if chunk[axis] > 1 { chunk[axis] = (chunk[axis] + 1) / 2 } else { axis += 1 }
    }
    return chunk
}

extension H5File {
    /// Unlinks the dataset or group at `path` (its space is reclaimed only by repacking).
    public func remove(_ path: String) throws {
        try withHDF5 {
            let fid = try openID()
            guard isWritable else { throw StoreError.readOnly(file: self.path, object: "'\(display(path))'") }
            guard try kind(of: path) != .missing else { throw StoreError.objectNotFound(file: self.path, path: display(path)) }
            guard H5Ldelete(fid, path, chdf5_p_default()) >= 0 else {
                throw StoreError.writeFailed(file: self.path, dataset: display(path), message: hdf5ErrorMessage())
            }
        }
    }
}
