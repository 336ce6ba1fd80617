import CHDF5

/// Readers for the column types of NWB tables (pynwb/hdmf write them through h5py): text
/// columns, boolean flags and half-precision arrays, which the numeric readers refuse.
extension H5File {
    /// Values of a string dataset (variable- or fixed-length), row-major.
    public func readStrings(_ dataset: String) throws -> [String] {
        try withDataset(dataset) { did, fileType in
            guard H5Tget_class(fileType) == H5T_STRING else {
                throw StoreError.unsupportedType(file: path, dataset: display(dataset),
                                                 type: elementKind(of: fileType).description, expected: "strings")
            }
            let count = try shape(of: did, dataset).reduce(1, *)
            guard count > 0 else { return [] }
            let memoryType = H5Tcopy(chdf5_c_s1())
            guard memoryType >= 0 else { throw readFailure(dataset) }
            defer { H5Tclose(memoryType) }
            if H5Tis_variable_str(fileType) > 0 {
                guard H5Tset_size(memoryType, chdf5_t_variable()) >= 0,
                      H5Tset_cset(memoryType, H5Tget_cset(fileType)) >= 0 else { throw readFailure(dataset) }
                var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
                guard H5Dread(did, memoryType, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), &pointers) >= 0 else {
                    throw readFailure(dataset)
                }
                // HDF5 allocated each string; free them with its allocator.
                defer { for p in pointers { if let p { H5free_memory(p) } } }
                return pointers.map { $0.flatMap { String(validatingCString: $0) } ?? "" }
            }
            let size = H5Tget_size(fileType)
            guard H5Tset_size(memoryType, size) >= 0, H5Tset_strpad(memoryType, H5T_STR_NULLPAD) >= 0,
                  H5Tset_cset(memoryType, H5Tget_cset(fileType)) >= 0 else { throw readFailure(dataset) }
            var bytes = [UInt8](repeating: 0, count: size * count)
            guard H5Dread(did, memoryType, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), &bytes) >= 0 else {
                throw readFailure(dataset)
            }
            return (0..<count).map { i in
                String(decoding: bytes[(i * size)..<((i + 1) * size)].prefix { $0 != 0 }, as: UTF8.self)
            }
        }
    }

    /// Values of a boolean dataset: h5py's FALSE/TRUE enum, or integers that are all 0 or 1.
    public func readBools(_ dataset: String) throws -> [Bool] {
        let kind = try info(dataset).kind
        if case .integer = kind {
            let values = try readInt64(dataset).values
            if let bad = values.first(where: { $0 != 0 && $0 != 1 }) {
                throw StoreError.unrepresentable(file: path, dataset: display(dataset),
                                                 problem: "holds \(bad); expected booleans (0 or 1)")
            }
            return values.map { $0 == 1 }
        }
        guard kind == .other("bool") else {
            throw StoreError.unsupportedType(file: path, dataset: display(dataset), type: kind.description,
                                             expected: "booleans")
        }
        return try withDataset(dataset) { did, fileType in
            // An enum converts only to an enum, so read it as itself (one byte per value).
            let memoryType = H5Tget_native_type(fileType, H5T_DIR_DEFAULT)
            guard memoryType >= 0 else { throw readFailure(dataset) }
            defer { H5Tclose(memoryType) }
            guard H5Tget_size(memoryType) == 1 else {
                throw StoreError.unsupportedType(file: path, dataset: display(dataset),
                                                 type: "a \(H5Tget_size(memoryType))-byte bool enum",
                                                 expected: "booleans stored in one byte")
            }
            let count = try shape(of: did, dataset).reduce(1, *)
            guard count > 0 else { return [] }
            var bytes = [Int8](repeating: 0, count: count)
            guard H5Dread(did, memoryType, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), &bytes) >= 0 else {
                throw readFailure(dataset)
            }
            return bytes.map { $0 != 0 }
        }
    }
}
