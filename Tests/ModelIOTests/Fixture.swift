import CHDF5
import Foundation
import Testing
@testable import ModelIO
@testable import Store

/// A small classic LFADS file described in memory, so each test states only what it breaks.
struct Fixture {
    struct Array {
        var shape: [Int]
        var values: [Double]
        var type: StoredType
    }

    var arrays: [String: Array] = [:]
    var doubleAttributes: [String: Double] = [:]
    var intAttributes: [String: Int64] = [:]
    /// Datasets Store deliberately cannot write, made with raw HDF5 calls.
    var stringDatasets: [String: [String]] = [:]
    var boolDatasets: [String: [Bool]] = [:]

    /// train_data [kTrain, T, N] and valid_data [kValid, T, N] holding small whole counts.
    static func basic(kTrain: Int = 4, kValid: Int = 2, T: Int = 3, N: Int = 2, type: StoredType = .int64) -> Fixture {
        var f = Fixture()
        f.arrays["train_data"] = Array(shape: [kTrain, T, N], values: pattern(kTrain * T * N, seed: 1), type: type)
        f.arrays["valid_data"] = Array(shape: [kValid, T, N], values: pattern(kValid * T * N, seed: 2), type: type)
        return f
    }

    /// Deterministic whole numbers 0...6 with zeros among them, as spike counts look.
    static func pattern(_ count: Int, seed: Int) -> [Double] {
        (0..<count).map { Double(($0 * 7 + seed * 3) % 11 % 7) }
    }

    subscript(name: String) -> Array? {
        get { arrays[name] }
        set { arrays[name] = newValue }
    }

    /// Sets one element of an existing array by its multi-index.
    mutating func set(_ name: String, at index: [Int], to value: Double) {
        let shape = arrays[name]!.shape
        var flat = 0
        for (axis, i) in index.enumerated() { flat = flat * shape[axis] + i }
        arrays[name]!.values[flat] = value
    }

    func write(to path: String) throws {
        let h5 = try H5File.create(path, overwrite: true)
        for (name, a) in arrays.sorted(by: { $0.key < $1.key }) {
            try h5.write(name, shape: a.shape, doubles: a.values, storedAs: a.type)
        }
        for (name, v) in doubleAttributes { try h5.setAttribute(name, double: v) }
        for (name, v) in intAttributes { try h5.setAttribute(name, int64: v) }
        try h5.close()
        for (name, values) in stringDatasets { try RawHDF5.writeStrings(path, name, values) }
        for (name, values) in boolDatasets { try RawHDF5.writeBools(path, name, values) }
    }
}

/// Gives each test its own directory, removed afterwards.
class TempDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "ModelIOTests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    /// Writes the fixture and returns the message `SpikeDataset.load` refuses it with.
    func loadError(_ fixture: Fixture, name: String = "bad.h5", domain: DataDomain = .counts,
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> String? {
        let p = file(name)
        try fixture.write(to: p)
        return loadError(path: p, domain: domain, sourceLocation: sourceLocation)
    }

    func loadError(path p: String, domain: DataDomain = .counts, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        do {
            _ = try SpikeDataset.load(path: p, domain: domain)
            Issue.record("expected a DatasetError, loading succeeded", sourceLocation: sourceLocation)
        } catch let error as DatasetError {
            return error.description
        } catch {
            Issue.record("expected a DatasetError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }
}

/// Direct HDF5 calls for dataset types Store refuses to write (strings, bools).
enum RawHDF5 {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func check<I: BinaryInteger>(_ status: I, _ what: String) throws {
        if status < 0 { throw Failure(description: "\(what): \(hdf5ErrorMessage())") }
    }

    /// A 1-D dataset of 8-byte fixed-length strings.
    static func writeStrings(_ path: String, _ name: String, _ values: [String], width: Int = 8) throws {
        let type = H5Tcopy(chdf5_c_s1())
        defer { H5Tclose(type) }
        try check(H5Tset_size(type, width), "H5Tset_size")
        var bytes = [UInt8](repeating: 0, count: width * values.count)
        for (i, value) in values.enumerated() {
            for (j, byte) in value.utf8.prefix(width).enumerated() { bytes[i * width + j] = byte }
        }
        try write(path, name, type: type, dims: [hsize_t(values.count)], bytes: bytes)
    }

    /// A 1-D dataset of numpy bools as h5py stores them: an int8 enum {FALSE, TRUE}.
    static func writeBools(_ path: String, _ name: String, _ values: [Bool]) throws {
        let type = H5Tenum_create(chdf5_native_int8())
        defer { H5Tclose(type) }
        var no: Int8 = 0, yes: Int8 = 1
        try check(H5Tenum_insert(type, "FALSE", &no), "H5Tenum_insert")
        try check(H5Tenum_insert(type, "TRUE", &yes), "H5Tenum_insert")
        try write(path, name, type: type, dims: [hsize_t(values.count)], bytes: values.map { $0 ? 1 : 0 })
    }

    private static func write(_ path: String, _ name: String, type: hid_t, dims: [hsize_t], bytes: [UInt8]) throws {
        try withHDF5 {
            let fid = H5Fopen(path, chdf5_f_acc_rdwr(), chdf5_p_default())
            try check(fid, "H5Fopen \(path)")
            defer { H5Fclose(fid) }
            let space = H5Screate_simple(Int32(dims.count), dims, nil)
            try check(space, "H5Screate_simple")
            defer { H5Sclose(space) }
            let did = H5Dcreate2(fid, name, type, space, chdf5_p_default(), chdf5_p_default(), chdf5_p_default())
            try check(did, "H5Dcreate2")
            defer { H5Dclose(did) }
            try check(H5Dwrite(did, type, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), bytes), "H5Dwrite")
        }
    }
}
