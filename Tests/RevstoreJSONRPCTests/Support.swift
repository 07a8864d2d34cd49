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

    /// Waits (asynchronously) until at least `count` messages arrived, or 5 s passed.
    func wait(for count: Int) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + .seconds(5)
        while received.count < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        return received
    }
}

extension Connection {
    func receive(_ text: String) {
        Array(text.utf8).withUnsafeBufferPointer { receive($0) }
    }

    /// Lets in-flight handlers finish, so "nothing was sent" can be asserted.
    func settle() async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while inFlightCount > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
        try await Task.sleep(for: .milliseconds(20))
    }
}

func makeConnection(_ registry: MethodRegistry) -> (Connection, CollectingSink) {
    let sink = CollectingSink()
    return (Connection(registry: registry, sink: sink, logger: Logger(label: "test")), sink)
}

/// The package root, found from this file's location.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
