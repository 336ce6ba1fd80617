import CHDF5

extension H5File {
    /// Sets a scalar variable-length UTF-8 string attribute (h5py reads it as `str`).
    /// Sets a scalar UTF-8 string attribute, fixed-length so that it is stored inside the object
    /// header and covered by its checksum (variable-length strings live in HDF5's global heap,
    /// which has none; docs/data.md §7). h5py reads it as `bytes`.
    public func setAttribute(_ name: String, string: String, on path: String = "/") throws {
        try withHDF5 {
            let bytes = Array(string.utf8)
            guard bytes.count <= maxCheckedStringBytes else {
                throw StoreError.attributeFailed(
                    file: self.path, object: display(path), attribute: name,
                    message: "\(bytes.count) bytes is longer than the \(maxCheckedStringBytes) a checksummed attribute holds")
            }
            let type = H5Tcopy(chdf5_c_s1())
            guard type >= 0 else { throw attributeFailure(name, path, "making a string type") }
            defer { H5Tclose(type) }
            // One byte more than the text, for the terminating NUL (a size of 0 is invalid).
            guard H5Tset_size(type, bytes.count + 1) >= 0, H5Tset_strpad(type, H5T_STR_NULLTERM) >= 0,
                  H5Tset_cset(type, H5T_CSET_UTF8) >= 0 else { throw attributeFailure(name, path, "making a string type") }
            try (bytes + [0]).withUnsafeBytes { raw in
                try writeAttribute(name, on: path, type: type, memoryType: type, value: raw.baseAddress!)
            }
        }
    }

    /// Sets a scalar int64 attribute.
    public func setAttribute(_ name: String, int64: Int64, on path: String = "/") throws {
        var value = int64
        try withHDF5 {
            try writeAttribute(name, on: path, type: chdf5_native_int64(), memoryType: chdf5_native_int64(),
                               value: &value)
        }
    }

    /// Sets a scalar float64 attribute.
    public func setAttribute(_ name: String, double: Double, on path: String = "/") throws {
        var value = double
        try withHDF5 {
            try writeAttribute(name, on: path, type: chdf5_native_double(), memoryType: chdf5_native_double(),
                               value: &value)
        }
    }

    /// A string attribute, variable- or fixed-length; nil when absent.
    public func stringAttribute(_ name: String, on path: String = "/") throws -> String? {
        try withHDF5 {
            try readAttribute(name, on: path) { aid, type in
                guard H5Tget_class(type) == H5T_STRING else {
                    throw StoreError.attributeType(file: self.path, object: display(path), attribute: name,
                                                   type: elementKind(of: type).description, expected: "string")
                }
                return H5Tis_variable_str(type) > 0
                    ? try readVariableString(aid, type, name, path)
                    : try readFixedString(aid, type, name, path)
            }
        }
    }

    /// A numeric attribute converted to Double; nil when absent.
    public func doubleAttribute(_ name: String, on path: String = "/") throws -> Double? {
        try withHDF5 {
            try readAttribute(name, on: path) { aid, type in
                try requireNumeric(type, name, path, expected: "a number")
                var value = 0.0
                try readScalar(aid, chdf5_native_double(), &value, name, path)
                return value
            }
        }
    }

    /// A numeric attribute as Int64; nil when absent. Fractional or out-of-range values throw.
    public func int64Attribute(_ name: String, on path: String = "/") throws -> Int64? {
        try withHDF5 {
            try readAttribute(name, on: path) { aid, type in
                try requireNumeric(type, name, path, expected: "an integer")
                // H5Aread takes no transfer list, so the strict conversion of datasets is
                // unavailable: go through a type that holds the value exactly, then check.
                func notInteger(_ value: String) -> StoreError {
                    .attributeFailed(file: self.path, object: display(path), attribute: name,
                                     message: "holds \(value), which is not an Int64")
                }
                switch elementKind(of: type) {
                case .integer(64, false):
                    var value: UInt64 = 0
                    try readScalar(aid, chdf5_native_uint64(), &value, name, path)
                    guard let exact = Int64(exactly: value) else { throw notInteger("\(value)") }
                    return exact
                case .integer:
                    var value: Int64 = 0
                    try readScalar(aid, chdf5_native_int64(), &value, name, path)
                    return value
                default:
                    var value = 0.0
                    try readScalar(aid, chdf5_native_double(), &value, name, path)
                    guard let exact = Int64(exactly: value) else { throw notInteger("\(value)") }
                    return exact
                }
            }
        }
    }

    /// Names of the attributes on the group or dataset at `path`, sorted.
    public func attributeNames(on path: String = "/") throws -> [String] {
        try withHDF5 {
            try withObject(path, attribute: "*") { oid in
                var info = H5O_info_t()
                guard H5Oget_info2(oid, &info, chdf5_o_info_num_attrs()) >= 0 else {
                    throw attributeFailure("*", path, "listing")
                }
                return try (0..<info.num_attrs).map { i in
                    let length = H5Aget_name_by_idx(oid, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0,
                                                    chdf5_p_default())
                    guard length >= 0, let name = readCString(capacity: length + 1, {
                        H5Aget_name_by_idx(oid, ".", H5_INDEX_NAME, H5_ITER_INC, i, $0, $1, chdf5_p_default()) >= 0
                    }) else { throw attributeFailure("*", path, "listing") }
                    return name
                }.sorted()
            }
        }
    }

    // MARK: - Helpers; all run under the HDF5 lock.

    private func attributeFailure(_ name: String, _ path: String, _ action: String) -> StoreError {
        if let checksum = hdf5ChecksumFailure() {
            H5Eclear2(chdf5_e_default())
            return .corrupt(file: self.path, object: "attribute '\(name)' on '\(display(path))'", message: checksum)
        }
        return .attributeFailed(file: self.path, object: display(path), attribute: name,
                         message: "\(action) failed: \(hdf5ErrorMessage())")
    }

    private func withObject<R>(_ path: String, attribute: String, _ body: (hid_t) throws -> R) throws -> R {
        guard try kind(of: path) != .missing else {
            throw StoreError.objectNotFound(file: self.path, path: display(path))
        }
        let oid = H5Oopen(try openID(), path, chdf5_p_default())
        guard oid >= 0 else { throw attributeFailure(attribute, path, "opening the object") }
        defer { H5Oclose(oid) }
        return try body(oid)
    }

    /// Replaces any attribute of that name: HDF5 cannot change an attribute's type or
    /// space in place, so it is deleted and created again.
    private func writeAttribute(_ name: String, on path: String, type: hid_t, memoryType: hid_t,
                                value: UnsafeRawPointer) throws {
        guard isWritable else { throw StoreError.readOnly(file: self.path, object: "attribute '\(name)' on '\(display(path))'") }
        try withObject(path, attribute: name) { oid in
            if H5Aexists(oid, name) > 0 {
                guard H5Adelete(oid, name) >= 0 else { throw attributeFailure(name, path, "deleting the old value") }
            }
            let space = H5Screate(H5S_SCALAR)
            guard space >= 0 else { throw attributeFailure(name, path, "writing") }
            defer { H5Sclose(space) }
            let aid = H5Acreate2(oid, name, type, space, chdf5_p_default(), chdf5_p_default())
            guard aid >= 0 else { throw attributeFailure(name, path, "creating") }
            defer { H5Aclose(aid) }
            guard H5Awrite(aid, memoryType, value) >= 0 else { throw attributeFailure(name, path, "writing") }
        }
    }

    /// Opens the attribute and its type for `body`; nil when the attribute is absent.
    private func readAttribute<R>(_ name: String, on path: String,
                                  _ body: (hid_t, hid_t) throws -> R) throws -> R? {
        try withObject(path, attribute: name) { oid in
            let found = H5Aexists(oid, name)
            guard found >= 0 else { throw attributeFailure(name, path, "looking up") }
            guard found > 0 else { return nil }
            let aid = H5Aopen(oid, name, chdf5_p_default())
            guard aid >= 0 else { throw attributeFailure(name, path, "opening") }
            defer { H5Aclose(aid) }
            let type = H5Aget_type(aid)
            guard type >= 0 else { throw attributeFailure(name, path, "reading the type") }
            defer { H5Tclose(type) }
            let space = H5Aget_space(aid)
            guard space >= 0 else { throw attributeFailure(name, path, "reading the shape") }
            defer { H5Sclose(space) }
            let count = H5Sget_simple_extent_npoints(space)
            guard count == 1 else {
                throw StoreError.attributeType(file: self.path, object: display(path), attribute: name,
                                               type: "\(count) values of \(elementKind(of: type))",
                                               expected: "a single value")
            }
            return try body(aid, type)
        }
    }

    private func requireNumeric(_ type: hid_t, _ name: String, _ path: String, expected: String) throws {
        let kind = elementKind(of: type)
        guard kind.isNumeric else {
            throw StoreError.attributeType(file: self.path, object: display(path), attribute: name,
                                           type: kind.description, expected: expected)
        }
    }

    private func readScalar<T: BitwiseCopyable>(_ aid: hid_t, _ memoryType: hid_t, _ value: inout T,
                               _ name: String, _ path: String) throws {
        guard H5Aread(aid, memoryType, &value) >= 0 else { throw attributeFailure(name, path, "reading") }
    }

    private func variableStringType(_ name: String, _ path: String) throws -> hid_t {
        let type = H5Tcopy(chdf5_c_s1())
        guard type >= 0 else { throw attributeFailure(name, path, "making a string type") }
        guard H5Tset_size(type, chdf5_t_variable()) >= 0, H5Tset_cset(type, H5T_CSET_UTF8) >= 0 else {
            H5Tclose(type)
            throw attributeFailure(name, path, "making a string type")
        }
        return type
    }

    private func readVariableString(_ aid: hid_t, _ fileType: hid_t, _ name: String, _ path: String) throws -> String {
        let memoryType = try variableStringType(name, path)
        defer { H5Tclose(memoryType) }
        var chars: UnsafeMutablePointer<CChar>?
        guard H5Aread(aid, memoryType, &chars) >= 0 else { throw attributeFailure(name, path, "reading") }
        // HDF5 allocated the characters; free them with its allocator, not Swift's.
        defer { if let chars { H5free_memory(chars) } }
        return chars.flatMap { String(validatingCString: $0) } ?? ""
    }

    private func readFixedString(_ aid: hid_t, _ fileType: hid_t, _ name: String, _ path: String) throws -> String {
        let size = H5Tget_size(fileType)
        let memoryType = H5Tcopy(chdf5_c_s1())
        guard memoryType >= 0 else { throw attributeFailure(name, path, "making a string type") }
        defer { H5Tclose(memoryType) }
        // Null padding in memory: HDF5 turns space padding into NULs, and a string that
        // fills all `size` bytes keeps its last character (null-terminated would drop it).
        guard H5Tset_size(memoryType, size) >= 0, H5Tset_strpad(memoryType, H5T_STR_NULLPAD) >= 0,
              H5Tset_cset(memoryType, H5Tget_cset(fileType)) >= 0,
              let text = readCString(capacity: size + 1, { buffer, _ in H5Aread(aid, memoryType, buffer) >= 0 })
        else { throw attributeFailure(name, path, "reading") }
        return text
    }
}
