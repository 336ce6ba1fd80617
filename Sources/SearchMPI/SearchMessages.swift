import App
import SearchRunner
import Cluster
import Foundation
import Search

/// What the coordinator sends a group leader, which forwards it unchanged to its members.
enum CoordinatorMessage: Codable {
    case work(WorkItem)
    /// The search ends with `exit`; a completed search also sends the layout of the parallel results
    /// file that every rank then writes its part of.
    case stop(exit: TrainExit, layout: ParallelResults.Layout?)
}

/// What a group leader reports to the coordinator.
enum LeaderMessage: Codable {
    case result(WorkResult)
    /// The group stopped mid-trial on a signal; the coordinator checkpoints and stops the search.
    case interrupted
    case failed(row: Int, message: String)
}

/// One tag per direction: the message's kind travels inside it.
enum SearchTag {
    static let toLeader = 101, toCoordinator = 102
}

extension MPICommunicator {
    /// A message as JSON bytes (a distinct name, so a [UInt8] payload never re-enters this generic).
    func sendMessage<M: Encodable>(_ message: M, to dest: Int, tag: Int) throws {
        let bytes: [UInt8] = Array(try SearchJSON.encode(message))
        try send(bytes, to: dest, tag: tag)
    }
}

func decodeMessage<M: Decodable>(_ bytes: [UInt8], as: M.Type, from source: Int) throws -> M {
    do { return try SearchJSON.decode(M.self, from: Data(bytes)) } catch {
        throw ClusterError("unreadable search message from rank \(source): \(error)")
    }
}
