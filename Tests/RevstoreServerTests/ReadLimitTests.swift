import Foundation
import RevstoreJSON
import Testing

/// A read that runs too long is stopped, by the time limit or by the client, and the server
/// goes on serving.
@Suite("read limits")
struct ReadLimitTests {
    /// Fills a session so that `slowQuery` has seconds of work: 4,000 entities of 1 KB, each
    /// tested against 900 substrings that none contains.
    static func fill(_ server: ServerProcess) throws {
        #expect(try server.call(1, "session/create", ["session": "s"])["result"] != nil)
        let ops: [JSONValue] = (0..<4000).map { n in
            ["op": "put", "type": "Doc", "id": .string("d\(n)"), "data": ["text": .string(String(repeating: "lorem ipsum \(n) ", count: 60))]]
        }
        #expect(try server.call(2, "commit", ["session": "s", "ops": .array(ops)])["result"] != nil)
    }

    static let slowQuery: JSONValue = [
        "session": "s", "type": "Doc", "limit": 10,
        "where": ["$or": .array((0..<900).map { ["text": ["contains": .string("needle \($0)")]] })],
    ]

    @Test("a read past --read-timeout answers TIMEOUT (-32011) with the limit; later requests are served")
    func timeout() throws {
        let server = try ServerProcess(["--memory", "--read-timeout", "0.2"])
        try Self.fill(server)
        let started = Date()
        let reply = try server.call(3, "entity/query", Self.slowQuery)
        #expect(reply["error"]?["code"] == -32011, "\(reply)")
        #expect(reply["error"]?["data"]?["reason"] == "TIMEOUT")
        #expect(reply["error"]?["data"]?["seconds"]?.numberValue?.doubleValue == 0.2)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(try server.call(4, "entity/get", ["session": "s", "type": "Doc", "id": "d7"])["result"]?["entity"]?["id"] == "d7")
    }

    @Test("$/cancelRequest stops a running read at once: CANCELLED, and a read sent meanwhile is answered first")
    func cancelRunningRead() throws {
        // A file store: reads run side by side on their own connections (in memory, one
        // connection serves every request in turn).
        let server = try ServerProcess(["--db", DurabilityTests.temporaryStore(), "--read-timeout", "0"])
        try Self.fill(server)
        let started = Date()
        try server.request(3, "entity/query", Self.slowQuery)
        // Reads run side by side: this one does not wait for the slow one.
        let quick = try server.call(4, "entity/get", ["session": "s", "type": "Doc", "id": "d1"])
        #expect(quick["result"]?["entity"]?["id"] == "d1")
        Thread.sleep(forTimeInterval: 0.2)
        try server.send(#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":3}}"# + "\n")
        let reply = try server.next(timeout: 5)
        #expect(reply["id"] == 3)
        #expect(reply["error"]?["code"] == -32800, "\(reply)")
        #expect(Date().timeIntervalSince(started) < 3)
    }

    @Test("a long read runs on the input thread only until it runs long: requests behind it in the same write are read, and a cancel among them stops it")
    func longReadHandsInputOn() throws {
        let server = try ServerProcess(["--db", DurabilityTests.temporaryStore(), "--read-timeout", "0"])
        try Self.fill(server)
        let started = Date()
        // One write: the get and the cancel arrive in the same chunk as the slow query before them.
        let query = JSONWriter.encode(["jsonrpc": "2.0", "id": 3, "method": "entity/query", "params": Self.slowQuery])
        try server.send(String(decoding: query, as: UTF8.self) + "\n"
            + #"{"jsonrpc":"2.0","id":4,"method":"entity/get","params":{"session":"s","type":"Doc","id":"d2"}}"# + "\n"
            + #"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":3}}"# + "\n")
        var replies: [JSONValue] = []
        for _ in 0..<2 { replies.append(try server.next(timeout: 5)) }
        #expect(replies.first { $0["id"] == 4 }?["result"]?["entity"]?["id"] == "d2")
        #expect(replies.first { $0["id"] == 3 }?["error"]?["code"] == -32800, "\(replies)")
        #expect(Date().timeIntervalSince(started) < 3)
    }
}
