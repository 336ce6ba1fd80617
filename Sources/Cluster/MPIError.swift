import CMPI

/// A failed MPI call: communicators use MPI_ERRORS_RETURN, so every code becomes one of these.
public struct MPIError: Error, CustomStringConvertible {
    public let operation: String
    public let code: Int32
    public let message: String
    public var description: String { "MPI error in \(operation): \(message) (MPI error code \(code))" }
}

/// Throws an MPIError naming `operation` unless `code` is MPI_SUCCESS.
@inline(__always)
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws {
    if code != MPI_SUCCESS { throw MPIError(operation: operation(), code: code, message: mpiErrorString(code)) }
}

func mpiErrorString(_ code: Int32) -> String {
    var buf = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
    var len: Int32 = 0
    guard MPI_Error_string(code, &buf, &len) == MPI_SUCCESS else { return "unknown MPI error" }
    return String(decoding: buf.prefix(Int(len)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Wrong use of the Cluster API, found before any MPI call.
public struct ClusterError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
