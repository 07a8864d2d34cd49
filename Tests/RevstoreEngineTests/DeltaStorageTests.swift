import GRDB
@testable import RevstoreEngine
import RevstoreJSON
import Testing

/// Entity versions stored as keyframes and deltas (protocol/DESIGN.md): every read, on every
/// branch, at every version, after compaction and with a cold cache, gives whole data.
@Suite("Delta storage", .serialized)
struct DeltaStorageTests {
    /// A message of about `size` bytes that says which it is; every third has an attachment,
    /// bytes that other messages share, so they are blobs that many rows refer to.
    static func message(_ n: Int, size: Int = 300) -> JSONValue {
        var message: JSONValue = ["n": .integer(n), "text": .string(String(repeating: "message \(n) ", count: size / 12))]
        if n % 3 == 0 { message = message.merging(patch: ["attachment": .bytes(Array(repeating: UInt8(n % 7), count: 50 + n % 7))]) }
        return message
    }

    static func storedCounts(_ store: Store) async throws -> (keyframes: Int, deltas: Int, bytes: Int) {
        try store.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT count(*) FILTER (WHERE delta IS NULL) AS keyframes, count(*) FILTER (WHERE delta IS NOT NULL) AS deltas,
                       sum(length(CAST(data AS BLOB)) + coalesce(length(CAST(delta AS BLOB)), 0)) AS bytes FROM entity_version
                """)!
            return (row["keyframes"], row["deltas"], row["bytes"])
        }
    }

    /// Random histories of three growing chats on `main` and on a branch forked half-way, with
    /// appends, removals, merge patches, whole puts, deletes and restores.
    struct History {
        var main: [[String: JSONValue]] = [[:], [:]]  // index = version
        var branch: [[String: JSONValue]] = []

        static func make(_ f: Fixture, seed: UInt64) async throws -> History {
            var generator = SplitMix64(seed: seed)
            var history = History()
            var counter = 0
            func step(_ state: inout [String: JSONValue], branch: String?) async throws -> Bool {
                let id = "c\(Int.random(in: 0..<3, using: &generator))"
                counter += 1
                let op: CommitOperation
                var next = state[id]
                switch (next, Int.random(in: 0..<10, using: &generator)) {
                case (nil, _):
                    let deleted = try f.store.entity(at: ReadPosition(session: f.session, branch: branch), type: "Chat", id: id, includeDeleted: true).entity
                    let data: JSONValue = ["title": .string(id), "messages": .array((0..<4).map { DeltaStorageTests.message($0 + counter) })]
                    op = deleted == nil ? .put(type: "Chat", id: id, data: data, ifVersion: nil) : .restore(type: "Chat", id: id, data: data)
                    next = data
                case (let data?, 0..<5):
                    let added = (0..<Int.random(in: 1...2, using: &generator)).map { DeltaStorageTests.message(counter * 10 + $0) }
                    op = .jsonPatch(type: "Chat", id: id, operations: added.map { ["op": "add", "path": "/messages/-", "value": $0] }, ifVersion: nil)
                    next = ["title": data["title"]!, "messages": .array(data["messages"]!.arrayValue! + added)]
                case (let data?, 5):
                    guard let messages = data["messages"]?.arrayValue, !messages.isEmpty else { return false }
                    op = .jsonPatch(type: "Chat", id: id, operations: [["op": "remove", "path": .string("/messages/\(messages.count - 1)")]], ifVersion: nil)
                    next = ["title": data["title"]!, "messages": .array(Array(messages.dropLast()))]
                case (let data?, 6):
                    let title = JSONValue.string("title \(counter)")
                    op = .patch(type: "Chat", id: id, patch: ["title": title], ifVersion: nil)
                    next = ["title": title, "messages": data["messages"]!]
                case (let data?, 7):
                    let messages = data["messages"]!.arrayValue!.shuffled(using: &generator)
                    op = .put(type: "Chat", id: id, data: ["title": data["title"]!, "messages": .array(messages)], ifVersion: nil)
                    next = ["title": data["title"]!, "messages": .array(messages)]
                case (_, 8) where counter % 3 == 0:
                    op = .delete(type: "Chat", id: id, ifVersion: nil)
                    next = nil
                default:
                    op = .jsonPatch(type: "Chat", id: id, operations: [["op": "add", "path": "/messages/-", "value": DeltaStorageTests.message(counter)]], ifVersion: nil)
                    next = ["title": state[id]!["title"]!, "messages": .array(state[id]!["messages"]!.arrayValue! + [DeltaStorageTests.message(counter)])]
                }
                let result = try await f.commit([op], branch: branch)
                state[id] = next
                return result.created
            }
            var state: [String: JSONValue] = [:]
            while history.main.count < 80 {
                if try await step(&state, branch: nil) { history.main.append(state) }
            }
            _ = try await f.store.submitCreateBranch(session: f.session, name: "alt", fromBranch: "main", fromAt: .version(40)).value()
            var branchState = history.main[40]
            history.branch = Array(history.main[0...40])
            while history.branch.count < 100 {
                if try await step(&branchState, branch: "alt") { history.branch.append(branchState) }
            }
            while history.main.count < 120 {
                if try await step(&state, branch: nil) { history.main.append(state) }
            }
            return history
        }

        /// Every version of both branches, read one entity at a time and by query.
        func check(_ f: Fixture, versions: (main: ClosedRange<Int>, branch: ClosedRange<Int>)? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            for (name, states, range) in [("main", main, versions?.main ?? 1...(main.count - 1)), ("alt", branch, versions?.branch ?? 1...(branch.count - 1))] {
                for version in range {
                    let position = ReadPosition(session: f.session, branch: name, at: .version(version))
                    let queried = try f.store.query(at: position, EntityQuery(type: "Chat", limit: 100)).entities
                    #expect(Dictionary(uniqueKeysWithValues: queried.map { ($0.id, $0.data) }) == states[version],
                            "\(name) at \(version)", sourceLocation: sourceLocation)
                    for id in ["c0", "c1", "c2"] {
                        let read = try f.store.entity(at: position, type: "Chat", id: id).entity?.data
                        #expect(read == states[version][id], "\(id) on \(name) at \(version)", sourceLocation: sourceLocation)
                    }
                }
            }
        }
    }

    @Test("random histories of growing entities read exactly at every version of every branch, warm and cold")
    func randomHistories() async throws {
        let f = try await Fixture()
        let history = try await History.make(f, seed: 11)
        let counts = try await Self.storedCounts(f.store)
        #expect(counts.deltas > counts.keyframes * 2, "most versions should be deltas: \(counts)")
        try await history.check(f)
        EntityData.cache.removeAll()
        try await history.check(f)
        #expect(try f.store.integrityCheck() == [])

        // A query that looks inside the data at an old version rebuilds it for the filter.
        let position = ReadPosition(session: f.session, branch: "main", at: .version(60))
        let titled = try f.store.query(at: position, EntityQuery(type: "Chat", filter: ["title": ["startsWith": "title"]])).entities
        #expect(Set(titled.map(\.id)) == Set(history.main[60].filter { $0.value["title"]?.stringValue?.hasPrefix("title") == true }.keys))
    }

    @Test("a diff between any two positions, on one branch or across branches, names exactly the entities that differ")
    func diffsAcrossBranches() async throws {
        let f = try await Fixture()
        let history = try await History.make(f, seed: 17)
        var generator = SplitMix64(seed: 99)
        for _ in 0..<60 {
            let sides = [("main", history.main), ("alt", history.branch)]
            let (fromName, fromStates) = sides[Int.random(in: 0..<2, using: &generator)]
            let (toName, toStates) = sides[Int.random(in: 0..<2, using: &generator)]
            let a = Int.random(in: 1..<fromStates.count, using: &generator), b = Int.random(in: 1..<toStates.count, using: &generator)
            let differences = try f.store.diff(from: ReadPosition(session: f.session, branch: fromName, at: .version(a)),
                                                     to: ReadPosition(session: f.session, branch: toName, at: .version(b)), type: nil)
            let expected = Set(fromStates[a].keys).union(toStates[b].keys).filter { fromStates[a][$0] != toStates[b][$0] }
            #expect(Set(differences.map(\.id)) == expected, "\(fromName)@\(a) → \(toName)@\(b)")
            for difference in differences {
                #expect(difference.before?.data == fromStates[a][difference.id] && difference.after?.data == toStates[b][difference.id])
            }
        }
        // A rollback of the branch to an old version reads as that version did.
        _ = try await f.store.submitRollback(session: f.session, branch: "alt", to: .version(45), message: nil, actor: nil, expectedVersion: nil).value()
        let rolledBack = try f.store.query(at: ReadPosition(session: f.session, branch: "alt"), EntityQuery(type: "Chat")).entities
        #expect(Dictionary(uniqueKeysWithValues: rolledBack.map { ($0.id, $0.data) }) == history.branch[45])
    }

    @Test("compaction keeps every retained version exact, writing a keyframe where a kept delta lost its base")
    func compaction() async throws {
        let f = try await Fixture()
        let history = try await History.make(f, seed: 5)
        let report = try await f.store.submitCompact(session: f.session, keepLast: 10, keepSince: nil, dryRun: false).value()
        #expect(report.removedEntityVersions > 0)
        EntityData.cache.removeAll()
        try await history.check(f, versions: (main: (history.main.count - 10)...(history.main.count - 1), branch: (history.branch.count - 10)...(history.branch.count - 1)))
        // Version 40, the base of the branch, is protected.
        try await history.check(f, versions: (main: 40...40, branch: 40...40))
        #expect(try f.store.integrityCheck() == [])
    }

    @Test("declaring an index on a type stores its versions whole, so the index finds them at any version")
    func indexLater() async throws {
        let f = try await Fixture()
        let history = try await History.make(f, seed: 3)
        _ = try await f.store.submitDefineType(name: "Chat", fields: ["title": ["type": "string", "index": true]], strict: false, description: nil).value()
        #expect(try f.store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM entity_version WHERE type = 'Chat' AND delta IS NOT NULL") } == 0)
        for version in [2, 50, history.main.count - 1] {
            let position = ReadPosition(session: f.session, at: .version(version))
            for (id, data) in history.main[version] {
                let found = try f.store.query(at: position, EntityQuery(type: "Chat", filter: ["title": data["title"]!])).entities
                #expect(found.map(\.id).contains(id), "\(id) at \(version)")
            }
        }
        let plan = try f.store.queryPlan(at: ReadPosition(session: f.session), EntityQuery(type: "Chat", filter: ["title": "x"]))
        #expect(plan.joined().contains("field_4_Chat_title"))
        // Later versions of an indexed type are written whole too.
        try await f.commit([f.put("Chat", "c9", ["title": "new", "messages": .array((0..<20).map { Self.message($0) })])])
        try await f.commit([.jsonPatch(type: "Chat", id: "c9", operations: [["op": "add", "path": "/messages/-", "value": Self.message(99)]], ifVersion: nil)])
        #expect(try f.store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM entity_version WHERE delta IS NOT NULL") } == 0)
    }

    @Test("a JSON Patch is stored as its own operations without its tests; a change made any other way, or completed by the type, is diffed")
    func patchesAreTheirOwnDeltas() async throws {
        let f = try await Fixture()
        _ = try await f.store.submitDefineType(name: "Typed", fields: ["kind": ["type": "string", "default": "plain"]], strict: false, description: nil).value()
        let items = JSONValue.array((0..<4).map { .string("item \($0) " + String(repeating: "x", count: 400)) })
        func latestDelta() throws -> JSONValue? {
            try f.store.read { db in try String.fetchOne(db, sql: "SELECT delta FROM entity_version ORDER BY id DESC LIMIT 1") }.map { try JSONParser.parse($0) }
        }

        let first = try await f.commit([f.put("Doc", "d", ["n": 0, "items": items]), f.put("Typed", "t", ["kind": "rare", "items": items])]).version
        let operations: [JSONValue] = [
            ["op": "test", "path": "/n", "value": 0], ["op": "replace", "path": "/n", "value": 1],
            ["op": "add", "path": "/items/-", "value": "new"], ["op": "move", "from": "/items/0", "path": "/items/-"],
            ["op": "copy", "from": "/items/1", "path": "/first"],
        ]
        try await f.commit([.jsonPatch(type: "Doc", id: "d", operations: operations, ifVersion: nil)])
        #expect(try latestDelta() == .array(Array(operations.dropFirst())))

        // A patch and a merge patch of one entity in one commit: the stored delta is a diff.
        try await f.commit([.jsonPatch(type: "Doc", id: "d", operations: [["op": "remove", "path": "/first"]], ifVersion: nil),
                            .patch(type: "Doc", id: "d", patch: ["n": 2], ifVersion: nil)])
        #expect(try latestDelta() == [["op": "remove", "path": "/first"], ["op": "replace", "path": "/n", "value": 2]])

        // The type puts back the default a patch removed, so the patch alone is not the delta.
        try await f.commit([.jsonPatch(type: "Typed", id: "t", operations: [["op": "remove", "path": "/kind"]], ifVersion: nil)])
        #expect(try latestDelta() == [["op": "replace", "path": "/kind", "value": "plain"]])

        var moved = items.arrayValue!
        moved.append("new")
        moved.append(moved.removeFirst())
        let expected: [Int: JSONValue] = [
            first: ["n": 0, "items": items],
            first + 1: ["n": 1, "items": .array(moved), "first": moved[1]],
            first + 2: ["n": 2, "items": .array(moved)],
        ]
        for cold in [false, true] {
            if cold { EntityData.cache.removeAll() }
            for (version, data) in expected { #expect(try await f.get("Doc", "d", at: version)?.data == data, "version \(version), cold: \(cold)") }
            #expect(try await f.get("Typed", "t")?.data == ["kind": "plain", "items": items])
        }
    }

    @Test("1,000 appends of 1,000 bytes store about the data once, not once per version")
    func appendsStoreTheChange() async throws {
        let f = try await Fixture()
        try await f.commit([f.put("Chat", "c", ["messages": []])])
        for n in 0..<1000 {
            try await f.commit([.jsonPatch(type: "Chat", id: "c", operations: [["op": "add", "path": "/messages/-", "value": Self.message(n, size: 1000)]], ifVersion: nil)])
        }
        let final = try await f.get("Chat", "c")!.data
        #expect(final["messages"]?.arrayValue?.count == 1000)
        #expect(try f.store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM blob") } == 7)
        let counts = try await Self.storedCounts(f.store)
        let dataBytes = final.canonicalText.utf8.count
        #expect(counts.bytes <= 3 * dataBytes, "stored \(counts.bytes) bytes for \(dataBytes) bytes of data")
        #expect(counts.keyframes < 20, "\(counts)")
        EntityData.cache.removeAll()
        #expect(try await f.get("Chat", "c", at: 500)!.data["messages"]?.arrayValue?.count == 498)
    }
}
