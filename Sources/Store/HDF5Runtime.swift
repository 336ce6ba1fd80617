import CHDF5
import Foundation

// The Open MPI HDF5 build is not thread-safe (H5_HAVE_THREADSAFE is unset), and Swift
// tests run concurrently, so every use of the library is serialized here. Recursive
// because public methods call one another.
private let hdf5Lock = NSRecursiveLock()
/// How deeply the lock is held by the thread that holds it (guarded by the lock).
nonisolated(unsafe) private var hdf5LockDepth = 0

/// Runs `body` holding the HDF5 lock, with HDF5's own error-stack printing turned off.
func withHDF5<R>(_ body: () throws -> R) rethrows -> R {
    hdf5Lock.lock()
    hdf5LockDepth += 1
    defer { hdf5LockDepth -= 1; hdf5Lock.unlock() }
    // Cheap, and it also initializes the library before anything else runs.
    H5Eset_auto2(chdf5_e_default(), nil, nil)
    // This build's error stack is one for the whole process: whatever another thread's call left
    // there must not be read as this call's failure (a "corrupt" verdict on the wrong file).
    if hdf5LockDepth == 1 { H5Eclear2(chdf5_e_default()) }
    return try body()
}

/// Every message on HDF5's error stack, innermost first; the stack is left as it is.
func hdf5ErrorStack() -> [String] {
    var messages: [String] = []
    withUnsafeMutablePointer(to: &messages) { slot in
        _ = H5Ewalk2(chdf5_e_default(), H5E_WALK_UPWARD, { _, err, data in
            if let desc = err?.pointee.desc {
                data?.assumingMemoryBound(to: [String].self).pointee.append(String(cString: desc))
            }
            return 0
        }, slot)
    }
    return messages
}

/// The checksum message on HDF5's error stack, if the failure is one; the stack is left as it is.
func hdf5ChecksumFailure() -> String? {
    hdf5ErrorStack().first(where: isChecksumFailure)
}

/// The innermost (most specific) message on HDF5's error stack, which is then cleared.
func hdf5ErrorMessage() -> String {
    var innermost: String?
    withUnsafeMutablePointer(to: &innermost) { slot in
        _ = H5Ewalk2(chdf5_e_default(), H5E_WALK_UPWARD, { n, err, data in
            if n == 0, let desc = err?.pointee.desc {
                data?.assumingMemoryBound(to: String?.self).pointee = String(cString: desc)
            }
            return 0
        }, slot)
    }
    H5Eclear2(chdf5_e_default())
    return innermost ?? "unknown HDF5 error"
}

/// Records why HDF5 refused a value during type conversion, for the error message.
final class ConversionFailure {
    var exception: H5T_conv_except_t?

    var problem: String? {
        guard let exception else { return nil }
        switch exception {
        case H5T_CONV_EXCEPT_RANGE_HI: return "a value above the range"
        case H5T_CONV_EXCEPT_RANGE_LOW: return "a value below the range"
        case H5T_CONV_EXCEPT_TRUNCATE: return "a non-integer value"
        case H5T_CONV_EXCEPT_PINF: return "+infinity"
        case H5T_CONV_EXCEPT_NINF: return "-infinity"
        case H5T_CONV_EXCEPT_NAN: return "NaN"
        default: return "a value that cannot be converted"
        }
    }
}

/// A transfer property list on which HDF5 aborts instead of silently clamping or
/// truncating a value that does not fit (its default for integer conversions).
func makeStrictTransfer(_ failure: ConversionFailure) -> hid_t {
    let dxpl = H5Pcreate(chdf5_p_dataset_xfer())
    guard dxpl >= 0 else { return dxpl }
    H5Pset_type_conv_cb(dxpl, { exception, _, _, _, _, data in
        // Rounding a large integer into a float is expected, not an error.
        if exception == H5T_CONV_EXCEPT_PRECISION { return H5T_CONV_UNHANDLED }
        let failure = Unmanaged<ConversionFailure>.fromOpaque(data!).takeUnretainedValue()
        failure.exception = exception
        return H5T_CONV_ABORT
    }, Unmanaged.passUnretained(failure).toOpaque())
    return dxpl
}

/// A file-access list for the default (serial) driver.
func makeFileAccess() -> hid_t {
    let fapl = H5Pcreate(chdf5_p_file_access())
    guard fapl >= 0 else { return fapl }
    // Lustre/NFS mounts often lack flock(); keep locking where it works, skip it elsewhere.
    H5Pset_file_locking(fapl, true, true)
    return fapl
}

func posixError(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

/// Lets `fill` write a NUL-terminated string into `capacity` bytes; nil if it reports failure.
func readCString(capacity: Int, _ fill: (UnsafeMutablePointer<CChar>, Int) -> Bool) -> String? {
    var bytes = [UInt8](repeating: 0, count: capacity)
    let ok = bytes.withUnsafeMutableBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { fill($0.baseAddress!, capacity) }
    }
    return ok ? String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self) : nil
}
