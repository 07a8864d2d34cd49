import Foundation
import Logging
@testable import RevstoreJSONRPC
@testable import RevstoreJSON

/// Collects what a connection sends, for assertions.
final class CollectingSink: MessageSink, @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [JSONValue] = []

    func send(_ message: [UInt8]) {
        let value = (try? JSONParser.parse(message)) ?? .string("unparseable: \(String(decoding: message, as: UTF8.self))")
        lock.withLock { messages.append(value) }
    }

    var received: [JSONValue] { lock.withLock { messages } }

    /// Waits (asynchronously) until at least `count` messages arrived, or `patience` passed.
    func wait(for count: Int) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + patience
        while received.count < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        return received
    }
}

/// What handlers did, in order.
final class Log: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String] = []
    func add(_ entry: String) { lock.withLock { entries.append(entry) } }
    var all: [String] { lock.withLock { entries } }
}

extension Connection {
    func receive(_ text: String) {
        Array(text.utf8).withUnsafeBufferPointer { receive($0) }
    }

    /// Lets in-flight handlers finish, so "nothing was sent" can be asserted.
    func settle() async throws {
        let deadline = ContinuousClock.now + patience
        while inFlightCount > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// How long a test waits for handlers to run. Generous, because other suites' CPU-bound tests
/// can hold the concurrency pool's few threads (two on a two-core machine) for many seconds;
/// these tests assert order and outcome, not speed.
let patience = Duration.seconds(60)

func makeConnection(_ registry: MethodRegistry) -> (Connection, CollectingSink) {
    let sink = CollectingSink()
    return (Connection(registry: registry, sink: sink, logger: Logger(label: "test")), sink)
}

/// The package root, found from this file's location.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A new pipe's read and write ends.
func pipePair() throws -> (read: Int32, write: Int32) {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    return (fds[0], fds[1])
}
