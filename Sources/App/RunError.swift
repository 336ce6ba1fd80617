/// A user-facing error of a run: one line, no stack trace.
public struct RunError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
