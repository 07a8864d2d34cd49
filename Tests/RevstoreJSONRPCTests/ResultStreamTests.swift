import Foundation
import Logging
import Testing
@testable import RevstoreJSONRPC
@testable import RevstoreJSON

@Suite("Results written in parts")
struct ResultStreamTests {
    /// Records whole messages and the parts of messages sent in parts, as the host would
    /// read them: each part's bytes, then the end.
    final class PartsSink: PartialMessageSink, @unchecked Sendable {
        private let lock = NSLock()
        private var output: [UInt8] = []
        private var partCount = 0

        func send(_ message: [UInt8]) { lock.withLock { output += message + [0x0A] } }

        func sendPart(_ bytes: [UInt8], of message: ObjectIdentifier) {
            lock.withLock {
                output += bytes
                partCount += 1
            }
        }

        func endMessage(_ bytes: [UInt8]?, of message: ObjectIdentifier) { lock.withLock { output += (bytes ?? []) + [0x0A] } }

        var parts: Int { lock.withLock { partCount } }
        var lines: [String] { lock.withLock { String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init) } }
    }

    /// `count` strings of 1,000 characters, made as they are written; `whenLast` runs as the
    /// last one is made.
    struct Rows: JSONWritable {
        var count: Int
        var whenLast: @Sendable () -> Void = {}

        func write(to writer: inout JSONWriter) {
            writer.writeArray(0..<count) { writer, index in
                if index == count - 1 { whenLast() }
                writer.write(string: String(repeating: "x", count: 1000))
            }
        }
    }

    final class Observed: @unchecked Sendable {
        private let lock = NSLock()
        private var value = -1
        var parts: Int {
            get { lock.withLock { value } }
            set { lock.withLock { value = newValue } }
        }
    }

    private func connection(_ registry: MethodRegistry) -> (Connection, PartsSink) {
        let sink = PartsSink()
        return (Connection(registry: registry, sink: sink, logger: Logger(label: "test")), sink)
    }

    /// What the host reads after a request whose handler responds with `count` rows, then fails.
    private func respondThenFail(rows count: Int, id: Int) async throws -> PartsSink {
        var registry = MethodRegistry()
        registry.registerConcurrent("rows") { _, call in
            _ = call.respond(Rows(count: count))
            throw RPCError(code: -32001, reason: "DAMAGED", message: "the store is damaged")
        }
        let (connection, sink) = connection(registry)
        connection.receive(#"{"jsonrpc":"2.0","id":\#(id),"method":"rows"}"#)
        try await connection.settle()
        return sink
    }

    @Test("a large result starts leaving before its last element is made")
    func largeResultInParts() async throws {
        let partsBeforeLast = Observed()
        var registry = MethodRegistry()
        let sink = PartsSink()
        registry.registerConcurrent("rows") { _, call in
            JSONValue(writing: call.respond(Rows(count: 300) { partsBeforeLast.parts = sink.parts }))
        }
        let connection = Connection(registry: registry, sink: sink, logger: Logger(label: "test"))
        connection.receive(#"{"jsonrpc":"2.0","id":1,"method":"rows"}"#)
        try await connection.settle()
        #expect(partsBeforeLast.parts >= 4)  // 300 KB in parts of 64 KiB
        let lines = sink.lines
        #expect(lines.count == 1)
        let response = try JSONParser.parse(lines[0])
        #expect(response["id"] == 1)
        #expect(response["result"]?.arrayValue?.count == 300)
    }

    @Test("the output channel keeps messages sent during a message in parts until its end, and a cut-off message still ends its line")
    func channelHoldsOthers() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let channel = OutputChannel(fd: fds[1])
        let first = ObjectIdentifier(PartsSink()), second = ObjectIdentifier(PartsSink())
        channel.sendPart(Array(#"{"a":["#.utf8), of: first)
        channel.send(Array(#"{"b":1}"#.utf8))
        channel.endMessage(Array("1]}".utf8), of: first)
        channel.sendPart(Array(#"{"c":["#.utf8), of: second)
        channel.send(Array(#"{"d":2}"#.utf8))
        channel.endMessage(nil, of: second)
        #expect(channel.finish(beginBefore: Date() + 5, endBefore: Date() + 5))
        channel.close()
        close(fds[1])
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fds[0], &buffer, buffer.count)
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        close(fds[0])
        #expect(String(decoding: output, as: UTF8.self) == "{\"a\":[1]}\n{\"b\":1}\n{\"c\":[\n{\"d\":2}\n")
    }

    @Test("a failure after a part is out cuts the response off; the error with its id follows")
    func failureAfterParts() async throws {
        let lines = try await respondThenFail(rows: 300, id: 7).lines
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix(#"{"jsonrpc":"2.0","id":7,"result":["#))
        #expect((try? JSONParser.parse(lines[0])) == nil)
        let error = try JSONParser.parse(lines[1])
        #expect(error["id"] == 7)
        #expect(error["error"]?["message"] == "the store is damaged")
    }

    @Test("a failure before any part is out is an ordinary error response")
    func failureBeforeParts() async throws {
        let sink = try await respondThenFail(rows: 3, id: 8)
        #expect(sink.parts == 0)
        #expect(try sink.lines.map { try JSONParser.parse($0) }
                == [["jsonrpc": "2.0", "id": 8, "error": ["code": -32001, "message": "the store is damaged", "data": ["reason": "DAMAGED"]]]])
    }

    @Test("small results, and every result in a batch, leave whole")
    func wholeResults() async throws {
        var registry = MethodRegistry()
        registry.registerConcurrent("rows") { params, call in
            JSONValue(writing: call.respond(Rows(count: params?["count"]?.intValue ?? 0)))
        }
        let (connection, sink) = connection(registry)
        connection.receive(#"{"jsonrpc":"2.0","id":1,"method":"rows","params":{"count":3}}"#)
        connection.receive(#"[{"jsonrpc":"2.0","id":2,"method":"rows","params":{"count":300}}]"#)
        try await connection.settle()
        #expect(sink.parts == 0)
        let replies = try sink.lines.map { try JSONParser.parse($0) }
        #expect(replies.count == 2)
        let single = replies.first { $0["id"] == 1 }
        let batch = replies.first { $0.arrayValue != nil }
        #expect(single?["result"]?.arrayValue?.count == 3)
        #expect(batch?.arrayValue?.first?["result"]?.arrayValue?.count == 300)
    }
}
