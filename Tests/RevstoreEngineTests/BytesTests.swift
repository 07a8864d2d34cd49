import Foundation
import GRDB
@testable import RevstoreEngine
import RevstoreJSON
import Testing

/// Bytes values, `{"$bytes": "<base64>"}`: read back exactly, kept once as blobs however many
/// versions hold them, and removed with the last version that does.
@Suite struct BytesTests {
    static func blobs(_ store: Store) throws -> (count: Int, references: Int) {
        try store.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM blob")!, try Int.fetchOne(db, sql: "SELECT coalesce(sum(refs), 0) FROM blob")!)
        }
    }

    static let picture = JSONValue.bytes((0..<300).map { UInt8($0 % 256) })
    static let thumbnail = JSONValue.bytes([0, 255, 10, 13, 0])

    @Test func bytesReadBackExactlyAndAreStoredOnce() async throws {
        let f = try await Fixture()
        try await f.commit([f.put("File", "a", ["content": Self.picture, "name": "a"]), f.put("File", "b", ["parts": [Self.picture, Self.thumbnail]])])
        for n in 1...5 { try await f.commit([.patch(type: "File", id: "a", patch: ["name": .string("a\(n)")], ifVersion: nil)]) }
        #expect(try Self.blobs(f.store).count == 2)
        EntityData.cache.removeAll()
        #expect(try await f.get("File", "a")?.data == ["content": Self.picture, "name": "a5"])
        #expect(try await f.get("File", "b", at: 2)?.data["parts"] == [Self.picture, Self.thumbnail])
        #expect(try await f.get("File", "a", at: 2)?.data["content"]?.bytesValue == Data((0..<300).map { UInt8($0 % 256) }))
        // A filter compares bytes values as they read.
        #expect(try await f.all("File", filter: ["content": Self.picture]).map(\.id) == ["a"])
        #expect(try f.store.integrityCheck() == [])
    }

    @Test func aBytesValueIsOneValueToPatchesAndDiffs() async throws {
        let f = try await Fixture()
        try await f.commit([f.put("File", "a", ["content": Self.picture])])
        // A merge patch replaces a bytes value whole, and a bytes value replaces an object whole.
        try await f.commit([.patch(type: "File", id: "a", patch: ["content": Self.thumbnail], ifVersion: nil)])
        #expect(try await f.get("File", "a")?.data == ["content": Self.thumbnail])
        try await f.commit([f.put("File", "b", ["meta": ["x": 1]])])
        try await f.commit([.patch(type: "File", id: "b", patch: ["meta": Self.thumbnail], ifVersion: nil)])
        #expect(try await f.get("File", "b")?.data == ["meta": Self.thumbnail])
        let diff = try f.store.diff(from: ReadPosition(session: f.session, at: .version(2)), to: ReadPosition(session: f.session, at: .version(3)), type: nil)
        #expect(diff.first?.after?.data == ["content": Self.thumbnail])
        // A JSON Patch test compares bytes as they read.
        try await f.commit([.jsonPatch(type: "File", id: "a", operations: [["op": "test", "path": "/content", "value": Self.thumbnail],
                                                                           ["op": "add", "path": "/more", "value": Self.picture]], ifVersion: nil)])
        #expect(try await f.get("File", "a")?.data["more"] == Self.picture)
    }

    @Test("a small list of bytes values grows by deltas: a version counts a reference to its new blob, not to every one")
    func aGrowingListOfBytesIsStoredAsDeltas() async throws {
        let f = try await Fixture()
        let empty = try await f.commit([f.put("Chat", "c", ["messages": []])]).version
        let appends = 40
        var messages: [JSONValue] = []
        for n in 0..<appends {
            let message = JSONValue.bytes(Array("message \(n)".utf8))
            messages.append(message)
            try await f.commit([.jsonPatch(type: "Chat", id: "c", operations: [["op": "add", "path": "/messages/-", "value": message]], ifVersion: nil)])
        }
        // The whole list is a few hundred bytes of blob references in stored text: under the
        // size below which an entity without bytes is always stored whole.
        let longest = try f.store.read { db in try Int.fetchOne(db, sql: "SELECT max(keyframe_bytes) FROM entity_version")! }
        #expect(longest < EntityData.smallestDeltaEntity)
        let counts = try await DeltaStorageTests.storedCounts(f.store)
        #expect(counts.deltas > counts.keyframes, "\(counts)")
        // Whole rows would count 1 + 2 + … + 40 = 820 references.
        let blobs = try Self.blobs(f.store)
        #expect(blobs.count == appends)
        #expect(blobs.references <= 3 * appends, "\(blobs)")
        EntityData.cache.removeAll()
        for count in [0, 15, appends] {
            #expect(try await f.get("Chat", "c", at: empty + count)?.data == ["messages": .array(Array(messages.prefix(count)))], "\(count) appended")
        }
        #expect(try f.store.integrityCheck() == [])
    }

    @Test func malformedBytesAreRefusedWithTheirPath() async throws {
        let f = try await Fixture()
        for bad: JSONValue in [["$bytes": "aGk"], ["$bytes": "aG k="], ["$bytes": "aGl="], ["$bytes": 3], ["$bytes": "-_8="]] {
            let error = await expectError(.invalidArgument) { try await f.commit([f.put("File", "a", ["x": ["y": bad]])]) }
            #expect(error?.details["path"] == "ops.0.data.x.y", "\(bad)")
        }
        try await f.commit([f.put("File", "a", ["x": Self.thumbnail])])
        let error = await expectError(.invalidArgument) {
            try await f.commit([.jsonPatch(type: "File", id: "a", operations: [["op": "replace", "path": "/x/$bytes", "value": "%%"]], ifVersion: nil)])
        }
        #expect(error?.details["path"] == "ops.0.jsonPatch.x")
        // An object with more members than `$bytes` is an ordinary object.
        try await f.commit([f.put("File", "b", ["x": ["$bytes": "not base64", "also": 1]])])
        #expect(try await f.get("File", "a")?.data == ["x": Self.thumbnail])
        #expect(try Self.blobs(f.store).count == 1)
    }

    @Test func aBlobGoesWithTheLastVersionThatHoldsIt() async throws {
        let f = try await Fixture()
        try await f.commit([f.put("File", "a", ["content": Self.picture]), f.put("File", "b", ["content": Self.picture])])
        for n in 1...4 { try await f.commit([f.put("File", "a", ["content": .bytes([UInt8(n)])])]) }
        #expect(try Self.blobs(f.store).count == 5)
        _ = try await f.store.submitCompact(session: f.session, keepLast: 1, keepSince: nil, dryRun: false).value()
        #expect(try Self.blobs(f.store).count == 2)  // b's picture and a's last
        _ = try await f.store.submitPurge(session: f.session, entities: [("File", "b")]).value()
        #expect(try Self.blobs(f.store).count == 1)
        #expect(try await f.get("File", "a")?.data == ["content": .bytes([4])])
        _ = try await f.store.submitDeleteSession(f.session).value()
        #expect(try Self.blobs(f.store) == (0, 0))
    }

    @Test func copiesAndExportsCarryTheBytes() async throws {
        let f = try await Fixture()
        let chat: JSONValue = ["messages": .array((0..<40).map { n in ["n": .integer(n), "audio": .bytes(Array(repeating: UInt8(n), count: 64))] })]
        try await f.commit([f.put("Chat", "c", chat)])
        try await f.commit([.jsonPatch(type: "Chat", id: "c", operations: [["op": "add", "path": "/messages/-", "value": ["audio": Self.picture]]], ifVersion: nil)])
        _ = try await f.store.submitCopy(session: f.session, to: "copy").value()
        let copy = Fixture(store: f.store, session: "copy")
        for version in 2...3 { #expect(try await copy.get("Chat", "c", at: version)?.data == (try await f.get("Chat", "c", at: version))?.data) }
        let exported = try f.store.export(session: f.session)
        #expect(exported.description.contains(Self.picture.description))
        // Both sessions share the blobs; either keeps them alive alone.
        let shared = try Self.blobs(f.store).count
        #expect(shared == 41)
        _ = try await f.store.submitDeleteSession(f.session).value()
        #expect(try Self.blobs(f.store).count == shared)
        EntityData.cache.removeAll()
        #expect(try await copy.get("Chat", "c")?.data["messages"]?[40] == ["audio": Self.picture])
    }

    @Test func anIndexedTypeKeepsItsBytesInline() async throws {
        let f = try await Fixture()
        try await f.commit([f.put("Key", "k", ["fingerprint": Self.thumbnail])])
        #expect(try Self.blobs(f.store).count == 1)
        _ = try await f.store.submitDefineType(name: "Key", fields: ["fingerprint": ["type": "bytes", "index": true]], strict: false, description: nil).value()
        #expect(try Self.blobs(f.store) == (0, 0))
        try await f.commit([f.put("Key", "j", ["fingerprint": Self.picture])])
        #expect(try Self.blobs(f.store).count == 0)
        #expect(try await f.all("Key", filter: ["fingerprint": Self.picture]).map(\.id) == ["j"])
        #expect(try await f.get("Key", "k")?.data == ["fingerprint": Self.thumbnail])
        await expectError(.validationFailed) { try await f.commit([f.put("Key", "x", ["fingerprint": "not bytes"])]) }
    }
}
