/// What went wrong, always naming the file and the dataset or attribute involved.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(file: String, reason: String)
    case notHDF5(file: String, message: String)
    case cannotCreate(file: String, reason: String)
    case fileClosed(file: String)
    case closeFailed(file: String, message: String)
    /// `object` reads "dataset 'x'" or "attribute 'a' on '/'".
    case readOnly(file: String, object: String)
    /// `present` lists what the nearest existing group holds (groups end in "/").
    case datasetNotFound(file: String, dataset: String, present: [String])
    case notADataset(file: String, path: String, kind: String)
    case objectNotFound(file: String, path: String)
    case unsupportedType(file: String, dataset: String, type: String, expected: String)
    case readFailed(file: String, dataset: String, message: String)
    /// A stored value that the requested type cannot hold (out of range, fractional, NaN).
    case unrepresentable(file: String, dataset: String, problem: String)
    case datasetExists(file: String, dataset: String)
    case badShape(file: String, dataset: String, shape: [Int], count: Int)
    case writeFailed(file: String, dataset: String, message: String)
    case attributeType(file: String, object: String, attribute: String, type: String, expected: String)
    case attributeFailed(file: String, object: String, attribute: String, message: String)
    case renameFailed(from: String, to: String, reason: String)
    /// A checksum mismatch (docs/data.md §7): `object` reads "dataset 'x'", "attribute 'a' on '/'".
    case corrupt(file: String, object: String, message: String)

    public var description: String {
        switch self {
        case let .cannotOpen(f, reason):
            return "cannot open \(f): \(reason)"
        case let .notHDF5(f, message):
            return "\(f) is not a readable HDF5 file (truncated or corrupt?): \(message)"
        case let .cannotCreate(f, reason):
            return "cannot create \(f): \(reason)"
        case let .fileClosed(f):
            return "\(f): the file was already closed"
        case let .closeFailed(f, message):
            return "\(f): closing failed (data may not be saved): \(message)"
        case let .readOnly(f, object):
            return "\(f): cannot write \(object): the file is open read-only"
        case let .datasetNotFound(f, d, present):
            let list = present.isEmpty ? "none" : present.joined(separator: ", ")
            return "\(f): required dataset '\(d)' not found (present: \(list))"
        case let .notADataset(f, path, kind):
            return "\(f): '\(path)' is a \(kind), not a dataset"
        case let .objectNotFound(f, path):
            return "\(f): no group or dataset '\(path)'"
        case let .unsupportedType(f, d, type, expected):
            return "\(f): dataset '\(d)' has type \(type); expected \(expected)"
        case let .readFailed(f, d, message):
            return "\(f) is not a readable HDF5 file (truncated or corrupt?): reading dataset '\(d)' failed: \(message)"
        case let .unrepresentable(f, d, problem):
            return "\(f): dataset '\(d)' \(problem)"
        case let .datasetExists(f, d):
            return "\(f): dataset '\(d)' already exists (pass replace: true to overwrite it)"
        case let .badShape(f, d, shape, count):
            if let bad = shape.first(where: { $0 < 0 }) {
                return "\(f): dataset '\(d)': shape \(shape) has negative dimension \(bad)"
            }
            return "\(f): dataset '\(d)': shape \(shape) needs \(shape.reduce(1, *)) values but \(count) were given"
        case let .writeFailed(f, d, message):
            return "\(f): cannot write dataset '\(d)': \(message)"
        case let .attributeType(f, object, a, type, expected):
            return "\(f): attribute '\(a)' on '\(object)' has type \(type); expected \(expected)"
        case let .attributeFailed(f, object, a, message):
            return "\(f): attribute '\(a)' on '\(object)': \(message)"
        case let .renameFailed(from, to, reason):
            return "cannot rename \(from) to \(to): \(reason)"
        case let .corrupt(f, object, message):
            return "\(f) is corrupt: \(object) fails its checksum (\(message)); the file was damaged after it was written and cannot be used"
        }
    }
}
