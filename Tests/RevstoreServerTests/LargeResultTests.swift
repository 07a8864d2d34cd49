import Foundation
import GRDB
import RevstoreJSON
import Testing

/// protocol/README.md §1: a large `entity/query` response leaves while its rows are still read.
@Suite("large results")
struct LargeResultTests {
    /// Puts `count` Chat entities of about 2 KB each, ids c000, c001, …
    static func putChats(_ server: ServerProcess, count: Int) throws {
        #expect(try server.call(1, "session/create", ["session": "s"])["result"] != nil)
        let ops = (0..<count).map { n -> JSONValue in
            let id = String(format: "c%03d", n)
            return ["op": "put", "type": "Chat", "id": .string(id), "data": ["title": .string(id), "body": .string(String(repeating: "words ", count: 340))]]
        }
        #expect(try server.call(2, "commit", ["session": "s", "ops": .array(ops)])["result"]?["version"] == 2)
    }

    static let query: JSONValue = ["session": "s", "type": "Chat", "orderBy": ["$id"], "limit": 1000]

    @Test("a query of 600 KB, sent in parts, reads back exactly as the same query answered whole in a batch")
    func partsMatchWhole() throws {
        let server = try ServerProcess()
        try Self.putChats(server, count: 300)
        let streamed = try server.call(3, "entity/query", Self.query)
        let request: JSONValue = ["jsonrpc": "2.0", "id": 3, "method": "entity/query", "params": Self.query]
        try server.send(JSONValue.array([request]).description + "\n")
        let batch = try server.next()
        #expect(streamed["result"]?["entities"]?.arrayValue?.count == 300)
        #expect(batch.arrayValue?.first == streamed)
        #expect(try server.call(4, "ping")["result"] == [:])
    }

    @Test("a row that fails after part of the response is out cuts the response off; the error with its id follows, and the server goes on")
    func failureMidway() throws {
        let path = DurabilityTests.temporaryStore()
        let writer = try ServerProcess(["--db", path])
        try Self.putChats(writer, count: 200)
        // The last chat in id order changes a little: stored as a delta from its first version.
        #expect(try writer.call(3, "entity/patch", ["session": "s", "type": "Chat", "id": "c199", "patch": ["title": "last"]])["result"] != nil)
        try writer.closeInput()
        #expect(writer.waitForExit(timeout: 30) == 0)
        let damaged = try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "UPDATE entity_version SET delta = '[{\"op\":\"remove\",\"path\":\"/missing\"}]' WHERE delta IS NOT NULL")
            return db.changesCount
        }
        #expect(damaged == 1)

        let reader = try ServerProcess(["--db", path])
        try reader.request(5, "entity/query", Self.query)
        let cutOff = try #require(try reader.nextLine())
        #expect(String(decoding: cutOff.prefix(60), as: UTF8.self).hasPrefix(#"{"jsonrpc":"2.0","id":5,"result":{"entities":["#))
        #expect(cutOff.count > 64 << 10)
        #expect((try? JSONParser.parse(cutOff)) == nil)
        let error = try reader.next()
        #expect(error["id"] == 5)
        #expect(error["error"]?["data"]?["reason"] == "STORAGE_ERROR")
        #expect(try reader.call(6, "entity/get", ["session": "s", "type": "Chat", "id": "c000"])["result"]?["entity"]?["data"]?["title"] == "c000")
    }
}
