import CHDF5

/// The element type of a stored dataset or attribute.
public enum ElementKind: Equatable, Sendable, CustomStringConvertible {
    case integer(bits: Int, signed: Bool)
    case float(bits: Int)
    /// Anything the numeric readers refuse: "string", "compound", "float16", "enum", "bool", ...
    case other(String)

    public var description: String {
        switch self {
        case let .integer(bits, signed): return (signed ? "int" : "uint") + String(bits)
        case let .float(bits): return "float\(bits)"
        case let .other(name): return name
        }
    }

    var isNumeric: Bool {
        if case .other = self { return false }
        return true
    }
}

/// Shape and element type of a dataset; shape [] is a scalar.
public struct DatasetInfo: Equatable, Sendable {
    public let shape: [Int]
    public let kind: ElementKind
    public var count: Int { shape.reduce(1, *) }
}

extension H5File {
    /// Shape and element type of the dataset at `dataset`.
    public func info(_ dataset: String) throws -> DatasetInfo {
        try withDataset(dataset) { did, type in
            DatasetInfo(shape: try shape(of: did, dataset), kind: elementKind(of: type))
        }
    }

    /// Opens a dataset, or explains why there is none. Call under the lock.
    /// Opens the dataset and its stored element type for `body` (inside withHDF5) and closes both.
    func withDataset<R>(_ name: String, _ body: (_ dataset: hid_t, _ fileType: hid_t) throws -> R) throws -> R {
        try withHDF5 {
            let did = try openDataset(name)
            defer { H5Dclose(did) }
            let type = H5Dget_type(did)
            guard type >= 0 else { throw readFailure(name) }
            defer { H5Tclose(type) }
            return try body(did, type)
        }
    }

    func openDataset(_ name: String) throws -> hid_t {
        switch try kind(of: name) {
        case .missing:
            throw StoreError.datasetNotFound(file: path, dataset: display(name), present: presentNear(name))
        case .group:
            throw StoreError.notADataset(file: path, path: display(name), kind: "group")
        case let .other(kind):
            throw StoreError.notADataset(file: path, path: display(name), kind: kind)
        case .dataset:
            let did = H5Dopen2(try openID(), name, chdf5_p_default())
            guard did >= 0 else { throw readFailure(name) }
            return did
        }
    }

    func readFailure(_ dataset: String) -> StoreError {
        if let checksum = hdf5ChecksumFailure() {
            H5Eclear2(chdf5_e_default())
            return .corrupt(file: path, object: "dataset '\(display(dataset))'", message: checksum)
        }
        return .readFailed(file: path, dataset: display(dataset), message: hdf5ErrorMessage())
    }

    /// Dimensions of a dataset; [] for a scalar. Call under the lock.
    func shape(of did: hid_t, _ dataset: String) throws -> [Int] {
        let space = H5Dget_space(did)
        guard space >= 0 else { throw readFailure(dataset) }
        defer { H5Sclose(space) }
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR:
            return []
        case H5S_SIMPLE:
            let rank = Int(H5Sget_simple_extent_ndims(space))
            var dims = [hsize_t](repeating: 0, count: rank)
            guard H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else { throw readFailure(dataset) }
            return dims.map { Int($0) }
        default:
            throw StoreError.unsupportedType(file: path, dataset: display(dataset),
                                             type: "an empty (null) dataspace", expected: "an array or scalar")
        }
    }
}

/// Names a stored type the way numpy/h5py users know it.
func elementKind(of type: hid_t) -> ElementKind {
    let bits = Int(H5Tget_size(type)) * 8
    switch H5Tget_class(type) {
    case H5T_INTEGER:
        return .integer(bits: bits, signed: H5Tget_sign(type) == H5T_SGN_2)
    case H5T_FLOAT:
        return bits == 32 || bits == 64 ? .float(bits: bits) : .other("float\(bits)")
    case H5T_STRING: return .other("string")
    case H5T_COMPOUND: return .other("compound")
    case H5T_ENUM: return .other(isBoolEnum(type) ? "bool" : "enum")
    case H5T_BITFIELD: return .other("bitfield")
    case H5T_OPAQUE: return .other("opaque")
    case H5T_REFERENCE: return .other("reference")
    case H5T_VLEN: return .other("variable-length sequence")
    case H5T_ARRAY: return .other("array")
    case H5T_TIME: return .other("time")
    default: return .other("unknown")
    }
}

/// h5py stores numpy bool as an enum with exactly the members FALSE and TRUE.
private func isBoolEnum(_ type: hid_t) -> Bool {
    guard H5Tget_nmembers(type) == 2 else { return false }
    let names: [String] = (0..<2).compactMap { i in
        guard let name = H5Tget_member_name(type, UInt32(i)) else { return nil }
        defer { H5free_memory(name) }
        return String(validatingCString: name)
    }
    return names == ["FALSE", "TRUE"]
}
