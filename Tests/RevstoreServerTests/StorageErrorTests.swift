import Foundation
import RevstoreJSON
import Testing

@Suite("storage errors", .serialized)
struct StorageErrorTests {
    @Test("a store locked by another process past --busy-timeout answers BUSY (-32008), and works once released")
    func busy() throws {
        let path = DurabilityTests.temporaryStore()
        let server = try ServerProcess(["--db", path, "--busy-timeout", "0.2"])
        #expect(try server.call(1, "session/create", ["session": "s"])["result"] != nil)

        // Another process takes SQLite's write lock and holds it.
        let holder = try LockHolder(path)

        let busy = try server.call(2, "entity/put", ["session": "s", "type": "T", "id": "a", "data": [:]])
        #expect(busy["error"]?["code"] == -32008)
        #expect(busy["error"]?["data"]?["reason"] == "BUSY")

        holder.release()
        #expect(try server.call(3, "entity/put", ["session": "s", "type": "T", "id": "a", "data": [:]])["result"]?["version"] == 2)
    }

    @Test("reads through a turn take no write lock: they answer while another process holds it")
    func turnReadsDoNotWrite() throws {
        let path = DurabilityTests.temporaryStore()
        let server = try ServerProcess(["--db", path, "--busy-timeout", "0.2"])
        #expect(try server.call(1, "session/create", ["session": "s"])["result"] != nil)
        #expect(try server.call(2, "entity/put", ["session": "s", "type": "T", "id": "a", "data": ["n": 1]])["result"] != nil)
        let turn = try #require(try server.call(3, "turn/begin", ["session": "s"])["result"]?["turn"]?.stringValue)
        #expect(try server.call(4, "entity/patch", ["session": "s", "type": "T", "id": "a", "patch": ["n": 2], "turn": .string(turn)])["result"] != nil)
        #expect(try server.call(5, "entity/put", ["session": "s", "type": "T", "id": "b", "data": ["n": 3], "turn": .string(turn)])["result"] != nil)

        let holder = try LockHolder(path)
        defer { holder.release() }

        let read = try server.call(6, "entity/get", ["session": "s", "type": "T", "id": "a", "turn": .string(turn)])
        #expect(read["result"]?["entity"]?["data"]?["n"] == 2)
        #expect(read["result"]?["version"] == 3)
        let query = try server.call(7, "entity/query", ["session": "s", "type": "T", "turn": .string(turn)])
        #expect(query["result"]?["entities"]?.arrayValue?.compactMap { $0["data"]?["n"]?.intValue } == [2, 3])
        // Without the turn, the head is as it was; and a write still waits for the lock.
        #expect(try server.call(8, "entity/get", ["session": "s", "type": "T", "id": "a"])["result"]?["entity"]?["data"]?["n"] == 1)
        #expect(try server.call(9, "entity/put", ["session": "s", "type": "T", "id": "c", "data": [:]])["error"]?["code"] == -32008)
    }
}
