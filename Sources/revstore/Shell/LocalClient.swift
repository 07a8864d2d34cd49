import ArgumentParser
import Foundation
import Logging
import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC
import RevstoreServer

/// The protocol's methods called in this process, one request at a time, through the same
/// registry and connection as the stdio server: what `revstore call` and the human commands use.
final class LocalClient {
    let store: Store
    private let connection: Connection
    private let replies = ReplySink()
    private var nextID = 0

    init(store: Store, logger: Logger) {
        self.store = store
        let context = ServerContext(store: store, maximumMessageBytes: Int.max, logger: logger)
        connection = Connection(registry: RevstoreServer.makeRegistry(context: context), sink: replies,
                                options: RevstoreServer.connectionOptions, logger: logger)
    }

    /// Sends one message as it is; returns the reply, or nil for a notification.
    func send(_ message: JSONValue) -> JSONValue? {
        let bytes = JSONWriter.encode(message)
        bytes.withUnsafeBufferPointer { connection.receive($0) }
        return message["id"] == nil ? nil : replies.next()
    }

    /// Calls `method`; its result, or the error it answered.
    func call(_ method: String, _ params: JSONValue = [:]) throws(CallFailure) -> JSONValue {
        nextID += 1
        let reply = send(["jsonrpc": "2.0", "id": .integer(nextID), "method": .string(method), "params": params])
        if let error = reply?["error"] { throw CallFailure(error) }
        return reply?["result"] ?? .null
    }

    /// Closes the store: the WAL is folded into the file when this was its last connection.
    func close() { store.close() }
}

/// Collects replies as the connection writes them, from whichever thread answers.
private final class ReplySink: MessageSink, @unchecked Sendable {
    private let condition = NSCondition()
    private var messages: [JSONValue] = []

    func send(_ message: [UInt8]) {
        guard let value = try? JSONParser.parse(message) else { return }
        condition.withLock {
            messages.append(value)
            condition.signal()
        }
    }

    func next() -> JSONValue {
        condition.withLock {
            while messages.isEmpty { condition.wait() }
            return messages.removeFirst()
        }
    }
}

/// A request's error, and the exit status that tells its reason to a shell script.
struct CallFailure: Error {
    let error: JSONValue

    init(_ error: JSONValue) { self.error = error }

    var reason: String { error["data"]?["reason"]?.stringValue ?? "INTERNAL_ERROR" }
    var message: String { error["message"]?.stringValue ?? "the request failed" }

    /// The exit status for each reason (README: "revstore call").
    static let exitStatuses: [(reasons: [String], status: Int32, meaning: String)] = [
        (["NOT_FOUND"], 1, "what the request names does not exist"),
        (["INVALID_PARAMS", "METHOD_NOT_FOUND", "INVALID_REQUEST", "PARSE_ERROR", "TOO_LARGE"], 2, "the request itself is wrong"),
        (["ALREADY_EXISTS", "UNIQUE_VIOLATION"], 3, "what it would create, or a unique value it would write, exists"),
        (["CONFLICT", "MERGE_CONFLICT"], 4, "the state moved: a version or a merge conflicts"),
        (["VALIDATION_FAILED", "SCHEMA_CONFLICT"], 5, "data or a type definition does not fit"),
        (["INVALID_STATE"], 6, "not allowed in the current state"),
        (["BUSY"], 7, "another process held the store too long: try again"),
        (["STORAGE_ERROR", "INTERNAL_ERROR", "SHUTTING_DOWN", "CANCELLED"], 8, "the store could not be read or written"),
    ]

    var exitStatus: Int32 { Self.exitStatuses.first { $0.reasons.contains(reason) }?.status ?? 8 }

    /// Writes the error to stderr; returns the exit that tells its reason.
    func report() -> ExitCode {
        FileHandle.standardError.write(Data("revstore: \(reason): \(message)\n\(error.description)\n".utf8))
        return ExitCode(exitStatus)
    }
}

/// Runs async engine work from a synchronous command.
func blocking<Value: Sendable>(_ body: @escaping @Sendable () async throws -> Value) throws -> Value {
    let done = DispatchSemaphore(value: 0)
    let outcome = Outcome<Value>()
    Task {
        do { outcome.result = .success(try await body()) } catch { outcome.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try outcome.result!.get()
}

private final class Outcome<Value>: @unchecked Sendable {
    var result: Result<Value, any Error>?
}
