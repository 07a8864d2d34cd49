import Foundation
import Testing
@testable import RevstoreJSONRPC
@testable import RevstoreJSON

@Suite("Dispatch and scheduling")
struct ConnectionTests {
    struct Echo: RPCMethod {
        static let method = "echo"
        typealias Response = JSONValue
        var value: JSONValue
        var count: Int?
    }

    @Test("ids come back exactly: strings, integers, large and negative numbers, fractions, null")
    func idsEchoed() async throws {
        var registry = MethodRegistry()
        registry.registerImmediate("ping") { _, _ in [:] }
        let (connection, sink) = makeConnection(registry)
        let ids = [#""abc""#, #""""#, "0", "-1", "12345678901234567890", "-98765432109876543210", "1.5", "1e3", "null", #""\u2028""#]
        for id in ids { connection.receive(#"{"jsonrpc":"2.0","id":\#(id),"method":"ping"}"#) }
        let replies = try await sink.wait(for: ids.count)
        #expect(replies.map { $0["id"]?.description } == ids.map { try? JSONParser.parse($0).description })
        #expect(replies[2]["id"]?.numberValue?.literal == "0")
        #expect(replies[4]["id"]?.numberValue?.literal == "12345678901234567890")
        #expect(replies[6]["id"]?.numberValue?.literal == "1.5")
        #expect(replies[8].objectValue?.keys.contains("id") == true)
    }

    @Test("a missing id is a notification, never answered, even when it fails")
    func notificationsUnanswered() async throws {
        var registry = MethodRegistry()
        registry.registerImmediate("fail") { _, _ in throw RPCError.internalError("boom") }
        let (connection, sink) = makeConnection(registry)
        connection.receive(#"{"jsonrpc":"2.0","method":"fail"}"#)
        connection.receive(#"{"jsonrpc":"2.0","method":"unknown"}"#)
        connection.receive(#"[{"jsonrpc":"2.0","method":"fail"},{"jsonrpc":"2.0","method":"unknown","params":[1]}]"#)
        try await connection.settle()
        #expect(sink.received.isEmpty)
    }

    @Test("malformed requests are -32600 with the id when it can be read")
    func invalidRequests() async throws {
        let (connection, sink) = makeConnection(MethodRegistry())
        connection.receive(#"{"jsonrpc":"1.0","id":7,"method":"x"}"#)
        connection.receive(#"{"jsonrpc":"2.0","id":{},"method":"x"}"#)
        connection.receive(#"{"jsonrpc":"2.0","id":8,"method":"x","params":3}"#)
        connection.receive(#""just a string""#)
        let replies = try await sink.wait(for: 4)
        #expect(replies.map { $0["error"]?["code"]?.intValue } == [-32600, -32600, -32600, -32600])
        #expect(replies.map { $0["id"] } == [7, .null, 8, .null])
        #expect(replies.allSatisfy { $0["error"]?["data"]?["reason"] == "INVALID_REQUEST" })
    }

    @Test("typed params decode once; a bad parameter is -32602 with its path")
    func typedParams() async throws {
        var registry = MethodRegistry()
        registry.concurrent(Echo.self) { request, _ in .array(Array(repeating: request.value, count: request.count ?? 1)) }
        let (connection, sink) = makeConnection(registry)
        connection.receive(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":{"value":{"x":[1]},"count":2}}"#)
        connection.receive(#"{"jsonrpc":"2.0","id":2,"method":"echo","params":{"value":1,"count":"two"}}"#)
        connection.receive(#"{"jsonrpc":"2.0","id":3,"method":"echo","params":{}}"#)
        connection.receive(#"{"jsonrpc":"2.0","id":4,"method":"echo","params":[1]}"#)
        connection.receive(#"{"jsonrpc":"2.0","id":5,"method":"echo"}"#)
        let replies = try await sink.wait(for: 5)
        let byID = Dictionary(uniqueKeysWithValues: replies.map { ($0["id"]!.intValue!, $0) })
        #expect(byID[1]?["result"] == [["x": [1]], ["x": [1]]])
        #expect(byID[2]?["error"]?["code"] == -32602)
        #expect(byID[2]?["error"]?["data"]?["path"] == "count")
        #expect(byID[3]?["error"]?["data"]?["path"] == "value")
        #expect(byID[4]?["error"]?["code"] == -32602)
        #expect(byID[5]?["error"]?["data"]?["path"] == "value")
    }

    @Test("ordered requests enter in arrival order; a read waits for the writes received before it")
    func orderedThenConcurrent() async throws {
        let log = Log()
        var registry = MethodRegistry()
        registry.registerOrdered("write") { params, _ in
            let n = params?["n"]?.intValue ?? 0
            log.add("enqueue \(n)")
            return .task {
                // Later writes finish faster, so completion order alone would not be arrival order.
                try await Task.sleep(for: .milliseconds(20 - n * 4))
                log.add("done \(n)")
                return .integer(n)
            }
        }
        registry.registerConcurrent("read") { _, _ in
            log.add("read")
            return .null
        }
        let (connection, sink) = makeConnection(registry)
        for n in 0..<4 { connection.receive(#"{"jsonrpc":"2.0","id":\#(n),"method":"write","params":{"n":\#(n)}}"#) }
        connection.receive(#"{"jsonrpc":"2.0","id":"r","method":"read"}"#)
        _ = try await sink.wait(for: 5)
        let entries = log.all
        #expect(Array(entries.prefix(4)) == ["enqueue 0", "enqueue 1", "enqueue 2", "enqueue 3"])
        #expect(entries.last == "read")
        #expect(Set(entries.filter { $0.hasPrefix("done") }).count == 4)
    }

    @Test("$/cancelRequest-style cancel answers a running read with -32800; unknown ids do nothing")
    func cancellation() async throws {
        var registry = MethodRegistry()
        registry.registerConcurrent("slow") { _, context in
            // A long read checks its cancellation, as the store's progress handler does.
            let deadline = Date(timeIntervalSinceNow: 30)
            while !context.cancellation.isCancelled, Date() < deadline { usleep(1_000) }
            return "finished"
        }
        registry.registerConcurrent("fast") { _, _ in "fast" }
        let (connection, sink) = makeConnection(registry)
        connection.receive(#"{"jsonrpc":"2.0","id":"s","method":"slow"}"#)
        connection.receive(#"{"jsonrpc":"2.0","id":"f","method":"fast"}"#)
        _ = try await sink.wait(for: 1)
        connection.cancel(.string("unknown"))
        connection.cancel(.string("f"))
        connection.cancel(.string("s"))
        let replies = try await sink.wait(for: 2)
        #expect(replies[0] == ["jsonrpc": "2.0", "id": "f", "result": "fast"])
        #expect(replies[1]["id"] == "s")
        #expect(replies[1]["error"]?["code"] == -32800)
        #expect(replies[1]["error"]?["data"]?["reason"] == "CANCELLED")
    }

    @Test("a request cancelled while queued behind a write is answered -32800 without running")
    func cancelQueued() async throws {
        let log = Log()
        var registry = MethodRegistry()
        registry.registerOrdered("write") { _, _ in
            .task { try await Task.sleep(for: .milliseconds(100)); return .null }
        }
        registry.registerConcurrent("read") { _, _ in log.add("ran"); return .null }
        let (connection, sink) = makeConnection(registry)
        connection.receive(#"{"jsonrpc":"2.0","id":1,"method":"write"}"#)
        connection.receive(#"{"jsonrpc":"2.0","id":2,"method":"read"}"#)
        connection.cancel(.number(JSONNumber(2)))
        let replies = try await sink.wait(for: 2)
        #expect(replies.first { $0["id"] == 2 }?["error"]?["code"] == -32800)
        #expect(log.all.isEmpty)
    }

    @Test("after shutdown every request gets the configured error")
    func shutdown() async throws {
        var registry = MethodRegistry()
        registry.registerImmediate("ping") { _, _ in [:] }
        let (connection, sink) = makeConnection(registry)
        connection.beginShutdown()
        connection.receive(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
        let replies = try await sink.wait(for: 1)
        #expect(replies[0]["error"]?["code"] == -32600)
    }

    @Test("a batch mixing kinds is answered as one array once all are done; notifications left out")
    func mixedBatch() async throws {
        var registry = MethodRegistry()
        registry.registerImmediate("now") { _, _ in "now" }
        registry.registerConcurrent("later") { _, _ in usleep(30_000); return "later" }
        registry.registerOrdered("write") { _, _ in .value("written") }
        let (connection, sink) = makeConnection(registry)
        connection.receive(#"[{"jsonrpc":"2.0","id":1,"method":"later"},{"jsonrpc":"2.0","method":"now"},{"jsonrpc":"2.0","id":2,"method":"write"},{"jsonrpc":"2.0","id":3,"method":"now"}]"#)
        let replies = try await sink.wait(for: 1)
        try await connection.settle()
        #expect(sink.received.count == 1)
        #expect(replies[0].arrayValue?.map { $0["result"] } == ["later", "written", "now"])
    }
}
