@testable import RevstoreEngine
import RevstoreJSON
import Testing

@Suite("Versioned engine: commits, exact reads, history, diff, rollback, revert")
struct VersioningTests {
    @Test("the basic scenario: create, update, read old, delete, diff, rollback, revert")
    func basicScenario() async throws {
        let f = try await Fixture()
        #expect(try f.store.session("s1").version == 1)

        let created = try await f.commit([f.put("User", "u1", ["name": "John", "age": 30])], actor: "alice")
        #expect(created.version == 2)
        #expect(created.changes.map(\.change) == [.created])

        let updated = try await f.commit([.patch(type: "User", id: "u1", patch: ["age": 31], ifVersion: nil)], actor: "bob")
        #expect(updated.version == 3)
        #expect(updated.changes.first?.version == 2)

        let old = try #require(try await f.get("User", "u1", at: 2))
        #expect(old.data == ["name": "John", "age": 30])
        #expect(old.version == 1)
        #expect(old.createdBy == "alice")
        #expect(old.updatedAtVersion == 2)
        let current = try #require(try await f.get("User", "u1"))
        #expect(current.version == 2)
        #expect(current.updatedBy == "bob")
        #expect(current.parentVersionId == old.versionId)
        #expect(current.lineageId == old.lineageId)

        try await f.commit([f.put("User", "u2", ["name": "Jane"])])
        let deleted = try await f.commit([.delete(type: "User", id: "u2", ifVersion: nil)])
        #expect(deleted.version == 5)
        #expect(try await f.get("User", "u2") == nil)
        #expect(try await f.get("User", "u2", at: 4)?.data == ["name": "Jane"])
        let tombstone = try #require(try await f.get("User", "u2", includeDeleted: true))
        #expect(tombstone.deleted)
        #expect(tombstone.deletedAt != nil)

        let diff = try f.store.diff(from: ReadPosition(session: "s1", at: .version(2)), to: ReadPosition(session: "s1", at: .version(4)), type: nil)
        #expect(diff.map(\.id) == ["u1", "u2"])
        #expect(diff.map(\.change) == [.modified, .added])
        #expect(diff[0].patch == [["op": "replace", "path": "/age", "value": 31]])
        #expect(diff[1].patch.count == 1)

        let rolledBack = try await f.store.submitRollback(session: "s1", branch: nil, to: .version(2), message: nil, actor: "carol", expectedVersion: 5).value()
        #expect(rolledBack.version == 6)
        let stateAt2 = try await f.all(at: 2).map { [$0.type, $0.id, $0.data.description] }
        let stateAt6 = try await f.all(at: 6).map { [$0.type, $0.id, $0.data.description] }
        #expect(stateAt6 == stateAt2)

        let reverted = try await f.store.submitRevert(session: "s1", branch: nil, number: 6, message: nil, actor: nil, force: false).value()
        #expect(reverted.version == 7)
        #expect(try await f.all(at: 7).map(\.id) == ["u1"])
        #expect(try await f.get("User", "u1")?.data == ["name": "John", "age": 31])
    }

    @Test("a one-entity write answers with exactly the JSON a read of its new version gives")
    func entityWriteAnswers() async throws {
        let f = try await Fixture()
        _ = try await f.store.submitDefineType(name: "Note", fields: ["title": ["type": "string"], "kind": ["type": "string", "default": "plain"]],
                                               strict: false, description: nil).value()
        // The answer is built from what the commit wrote, or read when the op changed nothing.
        let operations: [CommitOperation] = [
            .put(type: "Note", id: "n", data: ["title": "é \u{0} 😀", "z": 1.5e300, "a": ["$bytes": "aGk="], "nested": ["b": [1, nil, true]]], ifVersion: 0),
            .patch(type: "Note", id: "n", patch: ["title": "two", "z": nil], ifVersion: 1),
            .jsonPatch(type: "Note", id: "n", operations: [["op": "add", "path": "/nested/b/-", "value": "x"]], ifVersion: nil),
            .put(type: "Note", id: "n", data: ["title": "two", "a": ["$bytes": "aGk="], "nested": ["b": [1, nil, true, "x"]]], ifVersion: nil),
            .delete(type: "Note", id: "n", ifVersion: nil),
            .restore(type: "Note", id: "n", data: nil),
            .fork(type: "Note", id: "n", newID: "n2", patch: ["title": "forked"]),
            .put(type: "Plain", id: nil, data: ["k": "v"], ifVersion: nil),
        ]
        for (index, operation) in operations.enumerated() {
            let write = try await f.store.submitEntityWrite(CommitRequest(session: "s1", operations: [operation], actor: "ann")).value()
            let answered = try #require(write.entity, "op \(index)")
            let read = try #require(try await f.get(answered.type, answered.id, at: write.result.version, includeDeleted: true), "op \(index)")
            #expect(Self.text(answered) == Self.text(read), "op \(index)")
            #expect(write.result.created == (index != 3), "op \(index): only the rewrite of identical data changes nothing")
        }
    }

    private static func text(_ entity: Entity) -> String {
        var writer = JSONWriter()
        entity.write(to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test("a batch of 1,000 ops is one version; identical rewrites are no change")
    func batchAndIdenticalWrites() async throws {
        let f = try await Fixture()
        let ops = (0..<1000).map { f.put("Item", "i\($0)", ["n": .integer($0)]) }
        let result = try await f.commit(ops)
        #expect(result.version == 2)
        #expect(result.changes.count == 1000)

        let same = try await f.commit([f.put("Item", "i1", ["n": 1.0]), f.put("Item", "i2", ["n": 2])])
        #expect(!same.created)
        #expect(same.version == 2)
        #expect(same.changes.isEmpty)
        #expect(try f.store.session("s1").version == 2)

        let empty = try await f.commit([], allowEmpty: true)
        #expect(empty.created)
        #expect(empty.version == 3)

        // Several ops on one entity in one commit: one new entity version.
        let twice = try await f.commit([f.put("Item", "i3", ["n": 30]), .patch(type: "Item", id: "i3", patch: ["m": 1], ifVersion: nil)])
        #expect(twice.changes.count == 1)
        #expect(try await f.get("Item", "i3")?.version == 2)
        #expect(try await f.get("Item", "i3")?.data == ["n": 30, "m": 1])
    }

    @Test("a commit with one bad op applies nothing and names the op")
    func atomicCommit() async throws {
        let f = try await Fixture()
        try await f.commit([f.put("User", "u1", ["a": 1])])
        let error = await expectError(.notFound) {
            try await f.commit([f.put("User", "u2", ["a": 2]), .patch(type: "User", id: "ghost", patch: ["a": 3], ifVersion: nil)])
        }
        #expect(error?.details["opIndex"] == 1)
        #expect(error?.details["kind"] == "entity")
        #expect(try await f.get("User", "u2") == nil)
        #expect(try f.store.session("s1").version == 2)

        let invalid = await expectError(.invalidArgument) { try await f.commit([f.put("User", "u3", ["a": 1]), f.put("User", "u4", [1, 2])]) }
        #expect(invalid?.details["opIndex"] == 1)
        #expect(invalid?.details["path"] == "ops.1.data")
    }

    @Test("expectedVersion and ifVersion give optimistic concurrency")
    func optimisticConcurrency() async throws {
        let f = try await Fixture()
        try await f.commit([f.put("Doc", "d", ["v": 1])])
        let stale = await expectError(.conflict) { try await f.commit([f.put("Doc", "d", ["v": 2])], expectedVersion: 1) }
        #expect(stale?.details["expected"] == 1)
        #expect(stale?.details["actual"] == 2)
        try await f.commit([f.put("Doc", "d", ["v": 2])], expectedVersion: 2)

        let entity = await expectError(.conflict) { try await f.commit([f.put("Doc", "d", ["v": 3], ifVersion: 1)]) }
        #expect(entity?.details["expected"] == 1)
        #expect(entity?.details["actual"] == 2)
        #expect(entity?.details["id"] == "d")
        try await f.commit([f.put("Doc", "d", ["v": 3], ifVersion: 2)])

        await expectError(.alreadyExists) { try await f.commit([f.put("Doc", "d", ["v": 4], ifVersion: 0)]) }
        try await f.commit([f.put("Doc", "new", ["v": 1], ifVersion: 0)])
    }

    @Test("tombstones: reads skip them, writes need a restore, history is kept")
    func tombstones() async throws {
        let f = try await Fixture()
        try await f.commit([f.put("Note", "n", ["text": "a"])])
        try await f.commit([.delete(type: "Note", id: "n", ifVersion: nil)])
        await expectError(.invalidState) { try await f.commit([f.put("Note", "n", ["text": "b"])]) }
        await expectError(.invalidState) { try await f.commit([.patch(type: "Note", id: "n", patch: ["text": "b"], ifVersion: nil)]) }
        #expect(try await f.all("Note").isEmpty)
        #expect(try f.store.query(at: ReadPosition(session: "s1"), EntityQuery(type: "Note", includeDeleted: true)).entities.count == 1)

        let restored = try await f.commit([.restore(type: "Note", id: "n", data: nil)])
        #expect(restored.changes.map(\.change) == [.restored])
        let note = try #require(try await f.get("Note", "n"))
        #expect(note.data == ["text": "a"])
        #expect(note.version == 3)
        #expect(note.deletedAt == nil)
        await expectError(.invalidState) { try await f.commit([.restore(type: "Note", id: "n", data: nil)]) }

        let history = try f.store.history(at: ReadPosition(session: "s1"), type: "Note", id: "n", limit: 10, before: nil)
        #expect(history.map(\.version) == [3, 2, 1])
        #expect(history.map(\.deleted) == [false, true, false])
        let page = try f.store.history(at: ReadPosition(session: "s1"), type: "Note", id: "n", limit: 10, before: 3)
        #expect(page.map(\.version) == [2, 1])
        let exact = try f.store.entityVersion(session: "s1", versionId: history[1].versionId)
        #expect(exact == history[1])
    }

    @Test("every named error path")
    func errors() async throws {
        let f = try await Fixture()
        await expectError(.alreadyExists) { _ = try await f.store.submitCreateSession(name: "s1", metadata: nil).value() }
        await expectError(.notFound) { _ = try f.store.session("nope") }
        let branch = await expectError(.notFound) { _ = try await f.commit([f.put("A", "a", [:])], branch: "nope") }
        #expect(branch?.details["kind"] == "branch")
        let version = await expectError(.notFound) { _ = try await f.get("A", "a", at: 9) }
        #expect(version?.details["kind"] == "version")
        let entity = await expectError(.notFound) { _ = try await f.commit([.delete(type: "A", id: "ghost", ifVersion: nil)]) }
        #expect(entity?.details["kind"] == "entity")
        let versionID = await expectError(.notFound) { _ = try f.store.entityVersion(session: "s1", versionId: "nope") }
        #expect(versionID?.details["kind"] == "versionId")
        let tag = await expectError(.notFound) { _ = try f.store.entity(at: ReadPosition(session: "s1", at: .tag("v1")), type: "A", id: "a") }
        #expect(tag?.details["kind"] == "tag")
        await expectError(.invalidArgument) { _ = try await f.store.submitCreateSession(name: "", metadata: nil).value() }
        await expectError(.invalidArgument) { _ = try await f.store.submitCreateSession(name: "bad\u{7}", metadata: nil).value() }
        await expectError(.invalidArgument) { _ = try await f.commit([f.put("1Type", "a", [:])]) }
        await expectError(.invalidArgument) { _ = try await f.commit([f.put("A", String(repeating: "x", count: 513), [:])]) }
        await expectError(.invalidArgument) { _ = try await f.all(filter: ["a": ["gt": [1]]]) }
        await expectError(.invalidArgument) { _ = try await f.all(filter: ["$nope": 1]) }
        await expectError(.invalidArgument) { _ = try await f.all(filter: ["a\"b": 1]) }
    }

    @Test("revert refuses to undo over later changes unless forced")
    func revertConflict() async throws {
        let f = try await Fixture()
        try await f.commit([f.put("Doc", "d", ["v": 1])])
        try await f.commit([f.put("Doc", "d", ["v": 2])])
        try await f.commit([f.put("Doc", "d", ["v": 3])])
        let conflict = await expectError(.conflict) {
            _ = try await f.store.submitRevert(session: "s1", branch: nil, number: 3, message: nil, actor: nil, force: false).value()
        }
        #expect(conflict?.details["expected"] == 2)
        #expect(conflict?.details["actual"] == 3)
        let forced = try await f.store.submitRevert(session: "s1", branch: nil, number: 3, message: nil, actor: nil, force: true).value()
        #expect(forced.version == 5)
        #expect(try await f.get("Doc", "d")?.data == ["v": 1])
    }

    @Test("sessions: list pages in id order, delete removes everything")
    func sessions() async throws {
        let f = try await Fixture(session: "a")
        for name in ["b", "c", "d"] { _ = try await f.store.submitCreateSession(name: name, metadata: ["k": .string(name)]).value() }
        let first = try f.store.sessions(limit: 2, after: nil)
        #expect(first.sessions.map(\.name) == ["a", "b"])
        #expect(first.next == "b")
        let second = try f.store.sessions(limit: 2, after: first.next)
        #expect(second.sessions.map(\.name) == ["c", "d"])
        #expect(second.next == nil)
        #expect(second.sessions[0].metadata == ["k": "c"])

        try await f.commit([f.put("X", "x", ["a": 1])])
        _ = try await f.store.submitDeleteSession("a").value()
        await expectError(.notFound) { _ = try f.store.session("a") }
        _ = try await f.store.submitCreateSession(name: "a", metadata: nil).value()
        #expect(try await f.all().isEmpty)
    }

    @Test("random histories: a read at every version equals the state right after it was created")
    func randomHistories() async throws {
        var generator = SplitMix64(seed: 7)
        let f = try await Fixture()
        var model: [[String: JSONValue]] = [[:], [:]]  // index = version; versions 0 (unused) and 1 (empty)
        var state: [String: JSONValue] = [:]
        for _ in 0..<150 {
            var ops: [CommitOperation] = []
            var next = state
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let id = "e\(Int.random(in: 0..<12, using: &generator))"
                switch Int.random(in: 0..<4, using: &generator) {
                case 0 where next[id] != nil:
                    ops.append(.delete(type: "T", id: id, ifVersion: nil))
                    next[id] = nil
                case 1 where next[id] != nil:
                    let value = JSONValue.integer(Int.random(in: 0..<5, using: &generator))
                    ops.append(.patch(type: "T", id: id, patch: ["p": value], ifVersion: nil))
                    next[id] = next[id]!.merging(patch: ["p": value])
                default:
                    if next[id] == nil, try await f.get("T", id, includeDeleted: true).map({ $0.deleted }) == true,
                       !ops.contains(where: { if case .delete(_, let d, _) = $0 { d == id } else { false } }) {
                        ops.append(.restore(type: "T", id: id, data: ["r": .integer(Int.random(in: 0..<3, using: &generator))]))
                        next[id] = ops.last.flatMap { if case .restore(_, _, let data) = $0 { data } else { nil } }
                    } else if next[id] != nil || !ops.contains(where: { if case .delete(_, let d, _) = $0 { d == id } else { false } }) {
                        let data: JSONValue = ["v": .integer(Int.random(in: 0..<3, using: &generator))]
                        if next[id] == nil, try await f.get("T", id, includeDeleted: true) != nil { continue }
                        ops.append(.put(type: "T", id: id, data: data, ifVersion: nil))
                        next[id] = data
                    }
                }
            }
            let result = try await f.commit(ops)
            if result.created {
                state = next
                #expect(result.version == model.count)
                model.append(state)
            } else {
                #expect(next == state, "a commit that changed something created no version")
            }
        }
        #expect(model.count > 100)
        for version in 1..<model.count {
            let read = try await f.all("T", at: version)
            var seen: [String: JSONValue] = [:]
            for entity in read { seen[entity.id] = entity.data }
            #expect(seen == model[version], "state at version \(version)")
        }
    }
}

@Suite("Commit edge cases")
struct CommitEdgeCaseTests {
    @Test("an entity created and deleted in one commit leaves no trace")
    func createThenDelete() async throws {
        let f = try await Fixture()
        let result = try await f.commit([f.put("A", "temp", ["x": 1]), .delete(type: "A", id: "temp", ifVersion: nil)])
        #expect(!result.created)
        #expect(try await f.get("A", "temp", includeDeleted: true) == nil)
        await expectError(.notFound) { _ = try f.store.history(at: ReadPosition(session: "s1"), type: "A", id: "temp", limit: 10, before: nil) }
    }
}
