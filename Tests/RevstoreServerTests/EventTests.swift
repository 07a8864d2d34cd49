import Foundation
import RevstoreJSON
import Testing

@Suite("change events", .serialized)
struct EventTests {
    /// Reads messages until `count` events for `subscription` arrived; other messages are returned apart.
    static func events(_ server: ServerProcess, count: Int, timeout: TimeInterval = 30) throws -> [JSONValue] {
        var events: [JSONValue] = []
        while events.count < count {
            let message = try server.next(timeout: timeout)
            if message["method"] == "subscription/event", let event = message["params"]?["event"] { events.append(event) }
        }
        return events
    }

    /// The id of the first entity an event's commit changed.
    static func changedID(_ event: JSONValue) -> String? { event["changes"]?[0]?["id"]?.stringValue }

    static func putLine(_ n: Int, data: JSONValue) -> String {
        let params: JSONValue = ["session": "s", "type": "T", "id": .string("t\(n)"), "data": data]
        let message: JSONValue = ["jsonrpc": "2.0", "id": .integer(n), "method": "entity/put", "params": params]
        return message.description + "\n"
    }

    @Test("every change appends exactly one event, in cursor order, with its kind; session/delete trims the session's events")
    func feed() throws {
        let server = try ServerProcess()
        let calls: [(String, JSONValue)] = [
            ("session/create", ["session": "s"]),
            ("entity/put", ["session": "s", "type": "T", "id": "a", "data": [:]]),
            ("entity/put", ["session": "s", "type": "T", "id": "a", "data": [:]]),  // no change, no event
            ("branch/create", ["session": "s", "name": "b"]),
            ("tag/set", ["session": "s", "name": "t", "at": 2]),
            ("tag/delete", ["session": "s", "name": "t"]),
            ("version/submit", ["session": "s", "version": 2]),
            ("version/review", ["session": "s", "version": 2, "decision": "approved"]),
            ("turn/begin", ["session": "s"]),
            ("branch/delete", ["session": "s", "name": "b"]),
            ("session/compact", ["session": "s", "keepLast": 1]),
        ]
        for (n, call) in calls.enumerated() {
            let reply = try server.call(n, call.0, call.1)
            #expect(reply["error"] == nil, "\(call.0): \(reply)")
        }
        let page = try #require(try server.call(99, "feed/read", [:])["result"])
        let events = page["events"]?.arrayValue ?? []
        #expect(events.map { $0["kind"]?.stringValue ?? "" } == [
            "sessionCreated", "committed", "branchCreated", "tagSet", "tagDeleted", "reviewed", "reviewed", "branchDeleted", "compacted",
        ])
        let cursors = events.compactMap { $0["cursor"]?.intValue }
        #expect(cursors == cursors.sorted() && Set(cursors).count == cursors.count)
        #expect(page["cursor"]?.intValue == cursors.last)
        let second = try #require(try server.call(100, "feed/read", ["since": .integer(cursors[4]), "limit": 2])["result"])
        #expect(second["events"]?.arrayValue?.compactMap { $0["cursor"]?.intValue } == Array(cursors[5...6]))

        // Deleting the session removes its events; resuming from before them is refused, not silently short.
        #expect(try server.call(101, "session/delete", ["session": "s"])["result"] != nil)
        let after = try #require(try server.call(102, "feed/read", [:])["result"])
        #expect(after["events"]?.arrayValue?.map { $0["kind"]?.stringValue ?? "" } == ["sessionDeleted"])
        let refused = try server.call(103, "feed/read", ["since": .integer(cursors[4])])
        #expect(refused["error"]?["data"]?["kind"] == "cursor")
        #expect(refused["error"]?["data"]?["pruned"] == true)
        let resubscribe = try server.call(104, "subscribe", ["session": "s", "since": .integer(cursors[0])])
        #expect(resubscribe["error"]?["data"]?["pruned"] == true)
        #expect(try server.call(105, "feed/read", ["since": .integer(cursors.last!)])["result"] != nil)
    }

    @Test("compaction trims the events of the versions it removes")
    func compactionTrimsTheFeed() throws {
        let server = try ServerProcess()
        #expect(try server.call(1, "session/create", ["session": "s"])["result"] != nil)
        for n in 0..<10 {
            #expect(try server.call(2 + n, "entity/put", ["session": "s", "type": "T", "id": "a", "data": ["n": .integer(n)]])["result"] != nil)
        }
        #expect(try server.call(20, "session/compact", ["session": "s", "keepLast": 3])["result"]?["removedVersions"] == 8)
        let events = try #require(try server.call(21, "feed/read", ["session": "s"])["result"]?["events"]?.arrayValue)
        #expect(events.filter { $0["kind"] == "committed" }.compactMap { $0["version"]?.intValue } == [9, 10, 11])
        #expect(try server.call(22, "feed/read", ["session": "s", "since": 1])["error"]?["data"]?["pruned"] == true)
    }

    @Test("a subscriber gets matching events exactly once, in order, each before the response of the request that caused it")
    func subscriptions() throws {
        let server = try ServerProcess()
        _ = try server.call(1, "session/create", ["session": "s"])
        _ = try server.call(2, "session/create", ["session": "other"])
        let all = try #require(try server.call(3, "subscribe", ["session": "s"])["result"]?["subscription"]?.stringValue)
        let users = try #require(try server.call(4, "subscribe", ["session": "s", "types": ["User"], "kinds": ["committed"]])["result"]?["subscription"]?.stringValue)
        try server.request(5, "entity/put", ["session": "s", "type": "User", "id": "u", "data": [:]])
        var seen: [String] = []
        while true {
            let message = try server.next()
            if message["id"] == 5 { break }
            #expect(message["method"] == "subscription/event")
            seen.append(message["params"]?["subscription"]?.stringValue ?? "")
        }
        #expect(Set(seen) == [all, users])
        #expect(seen.count == 2)
        // Other session, other type, other kind: only the first subscription, and only when it matches.
        _ = try server.call(6, "entity/put", ["session": "other", "type": "User", "id": "u", "data": [:]])
        try server.request(7, "entity/put", ["session": "s", "type": "Note", "id": "n", "data": [:]])
        let note = try server.next()
        #expect(note["params"]?["subscription"]?.stringValue == all)
        #expect(note["params"]?["event"]?["changes"]?[0]?["type"] == .string("Note"))
        #expect(try server.next()["id"] == 7)
        #expect(try server.call(8, "unsubscribe", ["subscription": .string(all)])["result"] == [:])
        #expect(try server.call(9, "unsubscribe", ["subscription": .string(all)])["error"]?["data"]?["kind"] == "subscription")
        #expect(try server.call(10, "entity/put", ["session": "s", "type": "Note", "id": "n2", "data": [:]])["id"] == 10)
        #expect(try server.call(11, "subscribe", ["kinds": ["nope"]])["error"]?["data"]?["path"] == "kinds.0")
    }

    @Test("commits by another process reach subscribers; an idle subscribed server stays under 1% CPU")
    func otherProcesses() throws {
        let path = DurabilityTests.temporaryStore()
        let subscriber = try ServerProcess(["--db", path])
        let writer = try ServerProcess(["--db", path])
        _ = try writer.call(1, "session/create", ["session": "s"])
        _ = try subscriber.call(1, "subscribe", ["session": "s"])
        for n in 0..<50 {
            _ = try writer.call(2 + n, "entity/put", ["session": "s", "type": "T", "id": .string("t\(n)"), "data": [:]])
            let event = try Self.events(subscriber, count: 1, timeout: 2)[0]
            #expect(Self.changedID(event) == "t\(n)")
        }
        func cpuTicks() -> Int {
            let stat = (try? String(contentsOfFile: "/proc/\(subscriber.pid)/stat", encoding: .utf8)) ?? ""
            let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
            return fields.count > 12 ? (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0) : 0
        }
        let before = cpuTicks()
        Thread.sleep(forTimeInterval: 3)
        let used = Double(cpuTicks() - before) / Double(sysconf(Int32(_SC_CLK_TCK))) / 3
        #expect(used < 0.01, "an idle subscribed server used \(used * 100)% of a core")
    }

    @Test("since resumes: a subscriber killed mid-stream of 10,000 commits, replaced by one with its last cursor, misses nothing and repeats nothing")
    func resume() throws {
        let path = DurabilityTests.temporaryStore()
        let writer = try ServerProcess(["--db", path, "--durability", "normal"])
        _ = try writer.call(0, "session/create", ["session": "s"])
        let first = try ServerProcess(["--db", path])
        let start = try #require(try first.call(1, "subscribe", ["session": "s", "kinds": ["committed"]])["result"]?["cursor"]?.intValue)
        let commits = 10_000
        let text = (1...commits).map { n in
            Self.putLine(n, data: ["n": .integer(n)])
        }.joined()
        Thread.detachNewThread { try? writer.send(text) }

        var received = try Self.events(first, count: 2_000).compactMap(Self.changedID)
        let lastCursor = try Self.events(first, count: 1)[0]
        received.append(Self.changedID(lastCursor) ?? "")
        kill(first.pid, SIGKILL)

        let second = try ServerProcess(["--db", path])
        _ = try second.call(1, "subscribe", ["session": "s", "kinds": ["committed"], "since": try #require(lastCursor["cursor"])])
        let rest = try Self.events(second, count: commits - received.count, timeout: 60)
        received += rest.compactMap(Self.changedID)
        #expect(received == (1...commits).map { "t\($0)" })
        #expect(start >= 1)
        let cursors = rest.compactMap { $0["cursor"]?.intValue }
        #expect(cursors == cursors.sorted())
    }

    @Test("a host that stops reading does not make the server grow; events resume from the feed, none lost, none repeated")
    func stalledSubscriber() throws {
        let path = DurabilityTests.temporaryStore()
        let subscriber = try ServerProcess(["--db", path], readImmediately: false)
        let writer = try ServerProcess(["--db", path, "--durability", "normal"])
        _ = try writer.call(0, "session/create", ["session": "s"])
        try subscriber.send(#"{"jsonrpc":"2.0","id":1,"method":"subscribe","params":{"session":"s","kinds":["committed"]}}"# + "\n")
        Thread.sleep(forTimeInterval: 0.3)
        let baseline = subscriber.residentBytes
        // Each commit changes ten entities with long ids: about 5 KB of event, 40 MB in all.
        let long = String(repeating: "x", count: 400)
        let commits = 8_000
        for chunk in stride(from: 1, through: commits, by: 500) {
            let text = (chunk..<chunk + 500).map { n in
                let ops = JSONValue.array((0..<10).map { k in ["op": "put", "type": "T", "id": .string("\(n)-\(k)-\(long)"), "data": [:]] })
                let message: JSONValue = ["jsonrpc": "2.0", "id": .integer(n), "method": "commit", "params": ["session": "s", "ops": ops]]
                return message.description + "\n"
            }.joined()
            try writer.send(text)
            for _ in 0..<500 { _ = try writer.nextLine(timeout: 60) }
        }
        Thread.sleep(forTimeInterval: 0.5)
        let growth = subscriber.residentBytes - baseline
        // Alone it grows 12-13 MiB (4 MiB of unread output, SQLite's caches); a server without
        // backpressure grows about 47 MiB here. 24 MiB keeps that apart with room for a busy machine.
        #expect(growth < 24 << 20, "grew by \(growth >> 20) MiB while the host read nothing")
        subscriber.startReading()
        #expect(try subscriber.next()["id"] == 1)
        let ids = try Self.events(subscriber, count: commits, timeout: 60).compactMap(Self.changedID)
        #expect(ids == (1...commits).map { "\($0)-0-\(long)" })
    }
}
