import Foundation
import RevstoreEngine
import RevstoreJSON
import Testing

@Suite("the read path")
struct ReadPathTests {
    /// Reads twice in a row on one thread: the first resolves the position, the second reads
    /// at the position the thread's connection remembered.
    private func readTwice(_ store: Store, _ position: ReadPosition, _ id: String) throws -> [JSONValue?] {
        (0..<2).map { _ in try? store.entity(at: position, type: "Note", id: id).entity?.data }
    }

    @Test("a read at a remembered position sees every change since: writes here and by another store on the file, a moved tag, compaction")
    func rememberedPositions() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("read-path-\(UUID().uuidString).sqlite").path
        let store = try Store(StoreConfiguration(location: .file(path), durability: .normal))
        // Another store on the same file, as another process would have.
        let other = try Store(StoreConfiguration(location: .file(path), durability: .normal))
        defer {
            store.close()
            other.close()
        }
        func put(_ on: Store, _ session: String, _ id: String, _ n: Int) async throws {
            _ = try await on.submitCommit(CommitRequest(session: session, operations: [.put(type: "Note", id: id, data: ["n": .integer(n)], ifVersion: nil)])).value()
        }
        _ = try await store.submitCreateSession(name: "s", metadata: nil).value()
        try await put(store, "s", "a", 1)
        let head = ReadPosition(session: "s")
        #expect(try readTwice(store, head, "a") == [["n": 1], ["n": 1]])

        try await put(store, "s", "a", 2)
        #expect(try readTwice(store, head, "a") == [["n": 2], ["n": 2]])
        try await put(other, "s", "a", 3)
        #expect(try readTwice(store, head, "a") == [["n": 3], ["n": 3]])
        try await put(other, "s", "b", 1)
        #expect(try readTwice(store, head, "b") == [["n": 1], ["n": 1]])

        let tagged = ReadPosition(session: "s", at: .tag("t"))
        _ = try await other.submitSetTag(session: "s", name: "t", branch: nil, at: .version(2)).value()
        #expect(try readTwice(store, tagged, "a") == [["n": 1], ["n": 1]])
        _ = try await other.submitSetTag(session: "s", name: "t", branch: nil, at: .version(4)).value()
        #expect(try readTwice(store, tagged, "a") == [["n": 3], ["n": 3]])

        let old = ReadPosition(session: "s", at: .version(3))
        #expect(try readTwice(store, old, "a") == [["n": 2], ["n": 2]])
        _ = try await other.submitCompact(session: "s", keepLast: 1, keepSince: nil, dryRun: false).value()
        let pruned = await expectError(.notFound) { _ = try store.entity(at: old, type: "Note", id: "a") }
        #expect(pruned?.details["pruned"] == true)
    }

    @Test("positions are remembered by code point: canonically equal session names are two sessions")
    func positionsByCodePoint() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("read-path-\(UUID().uuidString).sqlite").path
        let store = try Store(StoreConfiguration(location: .file(path), durability: .normal))
        defer { store.close() }
        for (index, name) in ["\u{E9}", "e\u{301}"].enumerated() {
            _ = try await store.submitCreateSession(name: name, metadata: nil).value()
            _ = try await store.submitCommit(CommitRequest(session: name, operations: [.put(type: "Note", id: "a", data: ["n": .integer(index)], ifVersion: nil)])).value()
        }
        // One thread, both sessions, each read twice: the second of each from what was remembered.
        let reads = try ["\u{E9}", "e\u{301}", "\u{E9}", "e\u{301}"].map { try store.entity(at: ReadPosition(session: $0), type: "Note", id: "a").entity?.data }
        #expect(reads == [["n": 0], ["n": 1], ["n": 0], ["n": 1]])
    }
}
