import Foundation
import RevstoreEngine
import RevstoreJSON
import Testing

/// Rules 7 and 8 of protocol/README.md §10, with real processes on a real file.
@Suite("durability and concurrency across processes", .serialized)
struct DurabilityTests {
    static func temporaryStore() -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("revstore-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("store.sqlite").path
    }

    static func commitLine(_ id: Int, session: String, ops: JSONValue) -> String {
        let message: JSONValue = ["jsonrpc": "2.0", "id": .integer(id), "method": "commit", "params": ["session": .string(session), "ops": ops]]
        return message.description + "\n"
    }

    @Test("four processes commit 500 times each to one session: head 2001, versions gapless, nothing lost, no BUSY")
    func fourWriters() async throws {
        let path = Self.temporaryStore()
        let setup = try ServerProcess(["--db", path])
        #expect(try setup.call(1, "session/create", ["session": "shared"])["result"]?["version"] == 1)
        try setup.closeInput()
        _ = setup.waitForExit()

        let writers = try (0..<4).map { _ in try ServerProcess(["--db", path]) }
        for (w, server) in writers.enumerated() {
            let text = (0..<500).map { n in
                Self.commitLine(n, session: "shared", ops: [["op": "put", "type": "Item", "id": .string("w\(w)-\(n)"), "data": ["w": .integer(w), "n": .integer(n)]]])
            }.joined()
            Thread.detachNewThread { try? server.send(text) }
        }
        var versions: [Int] = []
        for server in writers {
            for _ in 0..<500 {
                let reply = try server.next(timeout: 60)
                if let error = reply["error"] { Issue.record("a commit failed: \(error)") }
                if let version = reply["result"]?["version"]?.intValue { versions.append(version) }
            }
        }
        #expect(versions.count == 2000)
        #expect(versions.sorted() == Array(2...2001))

        let check = try ServerProcess(["--db", path])
        #expect(try check.call(1, "session/get", ["session": "shared"])["result"]?["version"] == 2001)
        let page = try check.call(2, "entity/query", ["session": "shared", "type": "Item", "limit": 10000, "count": true])
        #expect(page["result"]?["total"] == 2000)
        let listed = try check.call(3, "version/list", ["session": "shared", "limit": 10000])["result"]?["versions"]?.arrayValue ?? []
        #expect(listed.compactMap { $0["version"]?.intValue } == Array((1...2001).reversed()))
    }

    @Test("four processes opening a new store file at the same moment all start and serve")
    func simultaneousOpen() throws {
        for _ in 0..<3 {
            let path = Self.temporaryStore()
            let servers = try (0..<4).map { _ in try ServerProcess(["--db", path]) }
            for (n, server) in servers.enumerated() {
                let reply = try server.call(1, "session/create", ["session": .string("s\(n)")])
                #expect(reply["result"]?["version"] == 1, "\(reply) \(server.stderr)")
            }
        }
    }

    @Test("kill -9 during a write load, 20 times: every acknowledged commit survives, none is half applied")
    func killNine() async throws {
        let path = Self.temporaryStore()
        var generator = SystemRandomNumberGenerator()
        var acknowledged = Set<Int>()
        var nextCommit = 0
        for round in 0..<20 {
            let server = try ServerProcess(["--db", path])
            if round == 0 { _ = try server.call(-1, "session/create", ["session": "crash"]) }
            // Each commit writes a pair; a half-applied commit would leave one without the other.
            let first = nextCommit
            let text = (first..<first + 3000).map { n in
                Self.commitLine(n, session: "crash", ops: [
                    ["op": "put", "type": "Left", "id": .string("p\(n)"), "data": ["n": .integer(n)]],
                    ["op": "put", "type": "Right", "id": .string("p\(n)"), "data": ["n": .integer(n)]],
                ])
            }.joined()
            nextCommit += 3000
            Thread.detachNewThread { try? server.send(text) }
            let deadline = Date(timeIntervalSinceNow: Double.random(in: 0.02...0.25, using: &generator))
            while Date() < deadline {
                guard let line = try server.nextLine(timeout: 1) else { break }
                let reply = try JSONParser.parse(line)
                if reply["result"]?["created"] == true, let id = reply["id"]?.intValue { acknowledged.insert(id) }
            }
            kill(server.pid, SIGKILL)
            _ = server.waitForExit()
        }
        #expect(acknowledged.count > 100, "too few commits were acknowledged for the test to mean anything")

        let check = try ServerProcess(["--db", path])
        // Every entity of a type, a page of 10,000 at a time: 20 rounds may commit more than that.
        func ids(_ type: String) throws -> Set<Int> {
            var found = Set<Int>()
            while true {
                let reply = try check.call(1, "entity/query", ["session": "crash", "type": .string(type), "limit": 10000, "offset": .integer(found.count)])
                let page = reply["result"]?["entities"]?.arrayValue ?? []
                found.formUnion(page.compactMap { $0["data"]?["n"]?.intValue })
                if page.count < 10000 { return found }
            }
        }
        let left = try ids("Left"), right = try ids("Right")
        #expect(left == right, "a commit was half applied")
        #expect(acknowledged.isSubset(of: left), "\(acknowledged.subtracting(left).count) acknowledged commits were lost")
        let head = try check.call(2, "session/get", ["session": "crash"])["result"]?["version"]?.intValue
        #expect(head == left.count + 1, "versions are not one per surviving commit")
        try check.closeInput()
        _ = check.waitForExit()

        let store = try Store(StoreConfiguration(location: .file(path)))
        #expect(try store.integrityCheck() == [])
    }
}
