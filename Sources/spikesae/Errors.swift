import ArgumentParser
import Cluster
import Foundation

/// Prints a user error as one line on stderr and exits 1, instead of a stack trace.
func reportingErrors<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch let e as ExitCode { throw e } catch let e as ValidationError { throw e } catch {
        printError("\(error)")
        throw ExitCode(1)
    }
}

/// Ends the command with `code` unless it is 0.
func endCommand(exitCode code: Int32) throws {
    if code != 0 { throw ExitCode(code) }
}
