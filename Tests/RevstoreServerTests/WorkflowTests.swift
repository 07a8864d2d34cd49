import Foundation
import RevstoreJSON
import Testing

/// Flows that need ids the server makes, so golden fixtures cannot spell them out.
@Suite("workflows over the wire")
struct WorkflowTests {
    @Test("a turn stages over many requests, reads through it, commits as one version; another aborts")
    func turnFlow() throws {
        let server = try ServerProcess()
        _ = try server.call(1, "session/create", ["session": "chat"])
        let turn = try #require(try server.call(2, "turn/begin", ["session": "chat", "message": "turn 3", "metadata": ["step": 3]])["result"]?["turn"]?.stringValue)
        for n in 0..<10 {
            let staged = try server.call(10 + n, "entity/put", ["session": "chat", "type": "Msg", "id": .string("m\(n)"), "data": ["n": .integer(n)], "turn": .string(turn)])
            #expect(staged["result"]?["version"] == .null)
            #expect(staged["result"]?["created"] == false)
            #expect(staged["result"]?["entity"]?["data"] == ["n": .integer(n)])
        }
        let staged = try server.call(30, "commit", ["session": "chat", "turn": .string(turn), "ops": [["op": "delete", "type": "Msg", "id": "m0"]]])
        #expect(staged["result"]?["turn"]?["stagedOps"] == 11)
        #expect(try server.call(31, "entity/query", ["session": "chat", "type": "Msg", "turn": .string(turn), "count": true])["result"]?["total"] == 9)
        #expect(try server.call(32, "entity/query", ["session": "chat", "type": "Msg", "count": true])["result"]?["total"] == 0)
        let committed = try #require(try server.call(33, "turn/commit", ["turn": .string(turn)])["result"])
        #expect(committed["version"] == 2)
        #expect(committed["changes"]?.arrayValue?.count == 9)
        let info = try #require(try server.call(34, "version/get", ["session": "chat", "version": 2])["result"])
        #expect(info["message"] == "turn 3")
        #expect(info["metadata"] == ["step": 3])
        #expect(info["turn"] == .string(turn))
        #expect(try server.call(35, "turn/get", ["turn": .string(turn)])["result"]?["status"] == "committed")
        #expect(try server.call(36, "turn/commit", ["turn": .string(turn)])["error"]?["code"] == -32006)

        let other = try #require(try server.call(40, "turn/begin", ["session": "chat"])["result"]?["turn"]?.stringValue)
        _ = try server.call(41, "entity/put", ["session": "chat", "type": "Msg", "id": "x", "data": [:], "turn": .string(other)])
        #expect(try server.call(42, "turn/abort", ["turn": .string(other)])["result"]?["status"] == "reverted")
        #expect(try server.call(43, "entity/get", ["session": "chat", "type": "Msg", "id": "x"])["result"]?["entity"] == .null)
        #expect(try server.call(44, "turn/list", ["session": "chat", "status": "reverted"])["result"]?["turns"]?.arrayValue?.count == 1)
        #expect(try server.call(45, "session/get", ["session": "chat"])["result"]?["version"] == 2)
    }

    @Test("entity/version reads back exactly the version a write reported")
    func entityVersion() throws {
        let server = try ServerProcess()
        _ = try server.call(1, "session/create", ["session": "s"])
        let first = try #require(try server.call(2, "entity/put", ["session": "s", "type": "A", "id": "a", "data": ["v": 1]])["result"]?["entity"])
        _ = try server.call(3, "entity/put", ["session": "s", "type": "A", "id": "a", "data": ["v": 2]])
        let exact = try server.call(4, "entity/version", ["session": "s", "versionId": try #require(first["versionId"])])
        #expect(exact["result"]?["entity"] == first)
    }
}
