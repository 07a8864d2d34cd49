import Foundation
import RevstoreJSON
import Testing

/// Input that must never reach another name or be cut short on its way to SQLite.
@Suite("input safety")
struct InputSafetyTests {
    @Test("U+0000 in a name, a message, an actor or a where value is refused with its path; nothing is changed")
    func nulIsRefused() throws {
        let server = try ServerProcess()
        #expect(try server.call(1, "session/create", ["session": "s"])["result"] != nil)
        #expect(try server.call(2, "branch/create", ["session": "s", "name": "b1"])["result"] != nil)
        #expect(try server.call(3, "entity/put", ["session": "s", "type": "T", "id": "a", "data": ["who": "alice"]])["result"] != nil)
        #expect(try server.call(4, "tag/set", ["session": "s", "name": "v1", "at": 2])["result"] != nil)

        let refused: [(String, JSONValue, String)] = [
            ("session/delete", ["session": "s\u{0}anything"], "session"),
            ("tag/delete", ["session": "s", "name": "v1\u{0}x"], "name"),
            ("branch/delete", ["session": "s", "name": "b1\u{0}x"], "name"),
            ("entity/get", ["session": "s\u{0}zzz", "type": "T", "id": "a"], "session"),
            ("entity/put", ["session": "s", "type": "T", "id": "b", "data": [:], "message": "cut\u{0}here"], "message"),
            ("entity/put", ["session": "s", "type": "T", "id": "b", "data": [:], "actor": "bob\u{0}by"], "actor"),
            ("commit", ["session": "s", "ops": [["op": "delete", "type": "T", "id": "a\u{0}b"]]], "ops.0.id"),
            ("entity/query", ["session": "s", "where": ["who": "alice\u{0}zzz"]], "where.who"),
        ]
        for (n, (method, params, path)) in refused.enumerated() {
            let reply = try server.call(10 + n, method, params)
            #expect(reply["error"]?["code"] == -32602, "\(method): \(reply)")
            #expect(reply["error"]?["data"]?["path"] == .string(path), "\(method)")
        }
        // Everything is as it was.
        #expect(try server.call(30, "session/get", ["session": "s"])["result"]?["version"] == 2)
        #expect(try server.call(31, "tag/list", ["session": "s"])["result"]?["tags"]?.arrayValue?.count == 1)
        #expect(try server.call(32, "branch/list", ["session": "s"])["result"]?["branches"]?.arrayValue?.count == 2)

        // Inside data, U+0000 is content, kept exactly.
        let put = try server.call(40, "entity/put", ["session": "s", "type": "T", "id": "c", "data": ["k": "x\u{0}y"]])
        #expect(put["result"]?["entity"]?["data"]?["k"] == "x\u{0}y")
        #expect(try server.call(41, "entity/get", ["session": "s", "type": "T", "id": "c"])["result"]?["entity"]?["data"]?["k"] == "x\u{0}y")
    }

    @Test("keys, ids and values that differ only in normalization are different keys, ids and values")
    func codePoints() throws {
        let composed = "\u{E9}", decomposed = "e\u{301}"
        let server = try ServerProcess()
        #expect(try server.call(1, "session/create", ["session": "s"])["result"] != nil)

        // Two members of one object.
        let both = try server.call(2, "entity/put", ["session": "s", "type": "T", "id": "k", "data": [composed: 1, decomposed: 2]])
        #expect(both["result"]?["entity"]?["data"]?.objectValue?.count == 2)
        let read = try server.call(3, "entity/get", ["session": "s", "type": "T", "id": "k"])["result"]?["entity"]?["data"]
        #expect(read?[composed] == 1 && read?[decomposed] == 2)

        // A new value, kept as a new version.
        #expect(try server.call(4, "entity/put", ["session": "s", "type": "T", "id": "v", "data": ["name": .string(composed)]])["result"] != nil)
        let replaced = try server.call(5, "entity/put", ["session": "s", "type": "T", "id": "v", "data": ["name": .string(decomposed)]])["result"]
        #expect(replaced?["created"] == true && replaced?["entity"]?["version"] == 2)
        #expect(try server.call(6, "entity/get", ["session": "s", "type": "T", "id": "v"])["result"]?["entity"]?["data"]?["name"] == .string(decomposed))

        // Two ids in one commit: two entities.
        let commit = try server.call(7, "commit", ["session": "s", "ops": [
            ["op": "put", "type": "U", "id": .string(composed), "data": ["n": 1]],
            ["op": "put", "type": "U", "id": .string(decomposed), "data": ["n": 2]],
        ]])
        #expect(commit["result"]?["changes"]?.arrayValue?.count == 2, "\(commit)")
        let ids = try server.call(8, "entity/query", ["session": "s", "type": "U"])["result"]?["entities"]?.arrayValue?.compactMap { $0["id"] }
        #expect(Set(ids ?? []) == [.string(composed), .string(decomposed)])
        let found = try server.call(9, "entity/query", ["session": "s", "type": "U", "where": ["$id": .string(decomposed)]])["result"]?["entities"]
        #expect(found?.arrayValue?.map { $0["data"]?["n"] } == [2])
    }

    @Test("a number beyond a double's range is refused with its path, never stored as something else")
    func numbersOutOfRange() throws {
        let server = try ServerProcess()
        #expect(try server.call(1, "session/create", ["session": "s"])["result"] != nil)
        func send(_ id: Int, _ line: String) throws -> JSONValue {
            try server.send(line + "\n")
            return try server.next()
        }
        let cases: [(String, String)] = [
            (#"{"jsonrpc":"2.0","id":2,"method":"entity/put","params":{"session":"s","type":"T","id":"a","data":{"a":1e999}}}"#, "data.a"),
            (#"{"jsonrpc":"2.0","id":3,"method":"entity/put","params":{"session":"s","type":"T","id":"a","data":{"a":[1,{"b":-2e400}]}}}"#, "data.a.1.b"),
            (#"{"jsonrpc":"2.0","id":4,"method":"commit","params":{"session":"s","ops":[{"op":"put","type":"T","id":"a","data":{"n":1e999}}]}}"#, "ops.0.data.n"),
        ]
        for (n, (line, path)) in cases.enumerated() {
            let reply = try send(2 + n, line)
            #expect(reply["error"]?["code"] == -32602 && reply["error"]?["data"]?["path"] == .string(path), "\(reply)")
        }
        #expect(try server.call(10, "entity/put", ["session": "s", "type": "T", "id": "a", "data": ["n": 1]])["result"] != nil)
        let patched = try send(11, #"{"jsonrpc":"2.0","id":11,"method":"entity/patch","params":{"session":"s","type":"T","id":"a","jsonPatch":[{"op":"add","path":"/x","value":[1e999]}]}}"#)
        #expect(patched["error"]?["data"]?["path"] == "jsonPatch.0.value.0")
        // Large but representable numbers are kept.
        let kept = try send(12, #"{"jsonrpc":"2.0","id":12,"method":"entity/put","params":{"session":"s","type":"T","id":"b","data":{"big":12345678901234567890123,"huge":1.5e300}}}"#)
        #expect(kept["result"]?["entity"]?["data"]?["big"]?.description == "12345678901234567890123")
        #expect(try server.call(13, "session/get", ["session": "s"])["result"]?["version"] == 3)
    }

    @Test("read positions and tag names get errors that say what is wrong")
    func positionErrors() throws {
        let server = try ServerProcess()
        #expect(try server.call(1, "session/create", ["session": "s"])["result"] != nil)
        let huge = try JSONParser.parse("99999999999999999999")
        for (id, at) in [(2, JSONValue.integer(0)), (3, -1), (4, huge), (5, 1.5)] {
            let error = try server.call(id, "entity/get", ["session": "s", "type": "T", "id": "x", "at": at])["error"]
            #expect(error?["code"] == -32602)
            #expect(error?["data"]?["path"] == "at")
            #expect(error?["message"]?.stringValue?.contains("a version number (1 or more)") == true)
        }
        let approved = try server.call(6, "entity/get", ["session": "s", "type": "T", "id": "x", "at": "approved"])["error"]
        #expect(approved?["data"]?["kind"] == "tag")
        #expect(approved?["message"] == #"No version is approved on branch "main" of session "s" yet."#)
        let tag = try server.call(7, "tag/set", ["session": "s", "name": "bad tag!", "at": 1])["error"]
        #expect(tag?["data"]?["path"] == "name")
        #expect(tag?["message"]?.stringValue?.contains("is not a tag name") == true)
    }
}
