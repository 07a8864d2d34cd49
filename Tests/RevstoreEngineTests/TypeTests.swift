import Foundation
import RevstoreEngine
import RevstoreJSON
import Testing

@Suite("Types, references and lineage")
struct TypeTests {
    @Test("validation reports every problem with its path; defaults fill; strict rejects unknown fields")
    func validation() async throws {
        let f = try await Fixture()
        _ = try await f.store.submitDefineType(name: "User", fields: [
            "name": ["type": "string", "required": true],
            "age": ["type": "integer", "nullable": true],
            "born": ["type": "datetime"],
            "tags": ["type": "array", "items": ["type": "string"]],
            "role": ["type": "string", "default": "member"],
        ], strict: true, description: "people").value()
        let error = await expectError(.validationFailed) {
            try await f.commit([f.put("User", "u1", ["age": 1.5, "born": "yesterday", "tags": ["a", 2], "nick": "x"])])
        }
        let paths = (error?.details["errors"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue }
        #expect(Set(paths) == ["$.name", "$.age", "$.born", "$.tags[1]", "$.nick"])
        #expect(error?.details["opIndex"] == 0)

        try await f.commit([f.put("User", "u1", ["name": "Ann", "age": nil, "born": "2026-11-21T10:00:00.123Z"])])
        #expect(try await f.get("User", "u1")?.data == ["name": "Ann", "age": nil, "born": "2026-11-21T10:00:00.123Z", "role": "member"])
        await expectError(.validationFailed) { try await f.commit([.patch(type: "User", id: "u1", patch: ["name": nil], ifVersion: nil)]) }
    }

    @Test("redefinition may add optional fields, add indexes and relax rules; anything else is SCHEMA_CONFLICT")
    func redefinition() async throws {
        let f = try await Fixture()
        let first = try await f.store.submitDefineType(name: "Doc", fields: ["title": ["type": "string", "required": true], "n": ["type": "integer"]],
                                                       strict: true, description: nil).value()
        #expect(first.revision == 1)
        let relaxed = try await f.store.submitDefineType(name: "Doc", fields: [
            "title": ["type": "string"], "n": ["type": "number", "index": true], "extra": ["type": "any"],
        ], strict: false, description: nil).value()
        #expect(relaxed.revision == 2)
        let conflict = await expectError(.schemaConflict) {
            _ = try await f.store.submitDefineType(name: "Doc", fields: ["title": ["type": "integer", "required": true]], strict: true, description: nil).value()
        }
        let problems = (conflict?.details["problems"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(problems.contains("the type became strict"))
        #expect(problems.contains("field title changed type from string to integer"))
        #expect(problems.contains("field title became required"))
        #expect(problems.contains("field n was removed"))
        #expect(try f.store.typeDefinition("Doc").revision == 2)
        await expectError(.invalidArgument) { _ = try await f.store.submitDefineType(name: "Doc", fields: ["x": ["type": "date"]], strict: false, description: nil).value() }
        await expectError(.invalidArgument) { _ = try await f.store.submitDefineType(name: "Doc", fields: ["a-b": ["type": "string"]], strict: false, description: nil).value() }
        await expectError(.invalidArgument) { _ = try await f.store.submitDefineType(name: "Doc'; DROP TABLE entity; --", fields: [:], strict: false, description: nil).value() }
        await expectError(.notFound) { _ = try f.store.typeDefinition("Nope") }
        #expect(try f.store.typeDefinitions().map(\.name) == ["Doc"])
    }

    @Test("unique fields hold across the state a commit makes")
    func unique() async throws {
        let f = try await Fixture()
        _ = try await f.store.submitDefineType(name: "Account", fields: ["email": ["type": "string", "index": "unique"]], strict: false, description: nil).value()
        try await f.commit([f.put("Account", "a", ["email": "x@y"])])
        let taken = await expectError(.uniqueViolation) { try await f.commit([f.put("Account", "b", ["email": "x@y"])]) }
        #expect(taken?.details == ["type": "Account", "id": "b", "field": "email", "value": "x@y", "heldBy": "a"])
        await expectError(.uniqueViolation) { try await f.commit([f.put("Account", "c", ["email": "z@y"]), f.put("Account", "d", ["email": "z@y"])]) }
        // Swapping values within one commit is fine; so is reusing a deleted entity's value.
        try await f.commit([f.put("Account", "b", ["email": "b@y"])])
        try await f.commit([f.put("Account", "a", ["email": "b@y"]), f.put("Account", "b", ["email": "x@y"])])
        try await f.commit([.delete(type: "Account", id: "a", ifVersion: nil), f.put("Account", "e", ["email": "b@y"])])
    }

    @Test("a Thread refers to its Messages with propagate: changing one message versions the thread in the same commit; expand reads them as of that version")
    func references() async throws {
        let f = try await Fixture()
        _ = try await f.store.submitDefineType(name: "Message", fields: ["text": ["type": "string"]], strict: false, description: nil).value()
        _ = try await f.store.submitDefineType(name: "Thread", fields: [
            "title": ["type": "string"],
            "messages": ["type": "array", "items": ["type": "ref", "ref": "Message"], "propagate": true],
            "pinned": ["type": "ref", "ref": "Message"],
        ], strict: false, description: nil).value()
        await expectError(.validationFailed) { try await f.commit([f.put("Thread", "t", ["messages": ["m1"]])]) }
        try await f.commit([f.put("Message", "m1", ["text": "hello"]), f.put("Message", "m2", ["text": "world"]),
                            f.put("Thread", "t", ["title": "chat", "messages": ["m1", "m2"], "pinned": "m2"])])
        let edit = try await f.commit([.patch(type: "Message", id: "m1", patch: ["text": "hello!"], ifVersion: nil)])
        #expect(edit.version == 3)
        #expect(Set(edit.changes.map { "\($0.type)/\($0.id)/\($0.change.rawValue)" }) == ["Message/m1/updated", "Thread/t/updated"])
        let thread = try #require(try await f.get("Thread", "t"))
        #expect(thread.version == 2)
        #expect(thread.updatedAtVersion == 3)
        #expect(thread.data == ["title": "chat", "messages": ["m1", "m2"], "pinned": "m2"])

        let then = try f.store.entity(at: ReadPosition(session: "s1", at: .version(2)), type: "Thread", id: "t", expand: ["messages", "pinned"]).entity
        #expect(then?.data["messages"]?.arrayValue?.map { $0["data"]?["text"] } == ["hello", "world"])
        #expect(then?.data["pinned"]?["id"] == "m2")
        let now = try f.store.query(at: ReadPosition(session: "s1"), EntityQuery(type: "Thread", expand: ["messages"])).entities
        #expect(now.first?.data["messages"]?.arrayValue?.map { $0["data"]?["text"] } == ["hello!", "world"])
        try await f.commit([.delete(type: "Message", id: "m2", ifVersion: nil)])
        let gone = try f.store.entity(at: ReadPosition(session: "s1"), type: "Thread", id: "t", expand: ["messages"]).entity
        #expect(gone?.data["messages"]?.arrayValue?.last == .null)
        await expectError(.invalidArgument) { _ = try f.store.entity(at: ReadPosition(session: "s1"), type: "Thread", id: "t", expand: ["title"]) }
    }

    @Test("fork makes a new entity in the source's lineage; lineage returns the whole tree across branches")
    func lineage() async throws {
        let f = try await Fixture()
        try await f.commit([f.put("Draft", "d", ["text": "v1"])])
        try await f.commit([.patch(type: "Draft", id: "d", patch: ["text": "v2"], ifVersion: nil)])
        let source = try #require(try await f.get("Draft", "d"))
        let forked = try await f.store.submitEntityWrite(CommitRequest(session: "s1", operations: [.fork(type: "Draft", id: "d", newID: "d-alt", patch: ["text": "alt"])])).value()
        let copy = try #require(forked.entity)
        #expect(copy.lineageId == source.lineageId)
        #expect(copy.parentVersionId == source.versionId)
        #expect(copy.version == 1)
        _ = try await f.store.submitCreateBranch(session: "s1", name: "b", fromBranch: nil, fromAt: nil).value()
        try await f.commit([.patch(type: "Draft", id: "d", patch: ["text": "on b"], ifVersion: nil)], branch: "b")

        let tree = try f.store.lineage(session: "s1", lineageId: nil, type: "Draft", id: "d-alt", at: ReadPosition(session: "s1"))
        #expect(tree.lineageId == source.lineageId)
        #expect(tree.versions.map { "\($0.id)@\($0.branch)#\($0.version)" } == ["d@main#1", "d@main#2", "d-alt@main#1", "d@b#3"])
        let ids = Set(tree.versions.map(\.versionId))
        #expect(tree.versions.dropFirst().allSatisfy { ids.contains($0.parentVersionId ?? "") })
    }

    @Test("an indexed field is served by its index, at the head and at old versions, on main and on branches")
    func indexUse() async throws {
        let f = try await Fixture()
        _ = try await f.store.submitDefineType(name: "User", fields: ["email": ["type": "string", "index": true], "age": ["type": "integer"]],
                                               strict: false, description: nil).value()
        try await f.commit((0..<50).map { f.put("User", "u\($0)", ["email": .string("u\($0)@x"), "age": .integer($0)]) })
        _ = try await f.store.submitCreateBranch(session: "s1", name: "b", fromBranch: nil, fromAt: nil).value()
        for (branch, at) in [(String?.none, ReadPosition.At?.none), (nil, .version(2)), ("b", nil)] {
            let position = ReadPosition(session: "s1", branch: branch, at: at)
            let indexed = try f.store.queryPlan(at: position, EntityQuery(type: "User", filter: ["email": "u7@x"]))
            #expect(indexed.contains { $0.contains("field_4_User_email") }, "\(indexed)")
            let sorted = try f.store.queryPlan(at: position, EntityQuery(type: "User", orderBy: ["email"], limit: 5))
            #expect(sorted.contains { $0.contains("field_4_User_email") }, "\(sorted)")
            let unindexed = try f.store.queryPlan(at: position, EntityQuery(type: "User", filter: ["age": 7]))
            #expect(!unindexed.contains { $0.contains("field_4_User_") })
            #expect(try f.store.query(at: position, EntityQuery(type: "User", filter: ["email": "u7@x"])).entities.map(\.id) == ["u7"])
        }
    }
}
