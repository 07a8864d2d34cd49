import Foundation
import GRDB
@testable import RevstoreEngine
import RevstoreJSON
import Testing

/// Stores written before a migration open and keep working after it (append-only migrations).
@Suite("Migrations")
struct MigrationTests {
    @Test("a store written before keyframes and deltas reads exactly, then takes appends as deltas")
    func beforeDeltas() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("revstore-migration-\(UUID().uuidString).sqlite").path
        // The schema as the release before deltas left it, with rows as that release wrote them.
        let old = try DatabaseQueue(path: path)
        try StoreSchema.migrator.migrate(old, upTo: "v4: event feed")
        let messages = (0..<30).map { JSONValue.string("message \($0) " + String(repeating: "x", count: 60)) }
        try await old.write { db in
            try db.execute(sql: """
                INSERT INTO session(id, name, created_at, metadata, default_branch) VALUES (1, 's', '2026-01-01T00:00:00.000Z', '{}', 'main');
                INSERT INTO branch(id, session_id, name, head, base_branch_id, base_version, created_at) VALUES (1, 1, 'main', 31, NULL, 0, '2026-01-01T00:00:00.000Z');
                INSERT INTO entity(key, session_id, type, entity_id) VALUES (1, 1, 'Chat', 'c');
                """)
            for version in 2...31 {
                let data = JSONValue.object(["messages": .array(Array(messages[0..<(version - 1)]))]).canonicalText
                try db.execute(sql: """
                    INSERT INTO version(branch_id, number, created_at, metadata, change_count) VALUES (1, ?, '2026-01-01T00:00:00.000Z', '{}', 1);
                    UPDATE entity_version SET valid_to = ? WHERE entity_key = 1 AND valid_to IS NULL;
                    INSERT INTO entity_version(entity_key, type, branch_id, valid_from, number, change, version_id, parent_version_id, lineage_id,
                        data, deleted, created_at, created_at_version, updated_at) VALUES (1, 'Chat', 1, ?, ?, ?, ?, NULL, 'lineage', ?, 0,
                        '2026-01-01T00:00:00.000Z', 2, '2026-01-01T00:00:00.000Z');
                    """, arguments: [version, version, version, version - 1, version == 2 ? "created" : "updated", "v\(version)", data])
            }
        }
        try old.close()

        let store = try Store(StoreConfiguration(location: .file(path)))
        defer { store.close() }
        let f = Fixture(store: store, session: "s")
        for version in [2, 16, 31] {
            #expect(try await f.get("Chat", "c", at: version)?.data["messages"]?.arrayValue?.count == version - 1)
        }
        for n in 0..<10 {
            try await f.commit([.jsonPatch(type: "Chat", id: "c", operations: [["op": "add", "path": "/messages/-", "value": .string("new \(n)")]], ifVersion: nil)])
        }
        #expect(try await f.get("Chat", "c")?.data["messages"]?.arrayValue?.count == 40)
        #expect(try await f.get("Chat", "c", at: 31)?.data["messages"]?.arrayValue?.count == 30)
        let deltas = try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM entity_version WHERE delta IS NOT NULL") }
        #expect(deltas == 10)
    }
}

@Suite("Migrations of indexes")
struct IndexMigrationTests {
    static func indexNames(_ store: Store) async throws -> Set<String> {
        Set(try store.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'field%'") })
    }

    @Test("type a_b field c and type a field b_c each get their own index")
    func namesDoNotCollide() async throws {
        let f = try await Fixture()
        _ = try await f.store.submitDefineType(name: "a_b", fields: ["c": ["type": "string", "index": true]], strict: false, description: nil).value()
        _ = try await f.store.submitDefineType(name: "a", fields: ["b_c": ["type": "string", "index": true]], strict: false, description: nil).value()
        #expect(try await Self.indexNames(f.store) == ["field_3_a_b_c", "field_1_a_b_c"])
        try await f.commit([f.put("a_b", "x", ["c": "one"]), f.put("a", "y", ["b_c": "one"])])
        #expect(try await f.all("a_b", filter: ["c": "one"]).map(\.id) == ["x"])
        #expect(try await f.all("a", filter: ["b_c": "one"]).map(\.id) == ["y"])
    }

    @Test("a store with indexes named the old way gets every declared index under its new name")
    func oldNamesAreReplaced() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("revstore-index-\(UUID().uuidString).sqlite").path
        let old = try DatabaseQueue(path: path)
        try StoreSchema.migrator.migrate(old, upTo: "v6: trimmed feed")
        try await old.write { db in
            try db.execute(sql: """
                INSERT INTO type_def(name, definition, revision, created_at, updated_at)
                VALUES ('User', '{"fields":{"email":{"index":true,"type":"string"}},"strict":false}', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
                CREATE INDEX "field_User_email" ON entity_version(json_extract(data, '$."email"')) WHERE type = 'User';
                """)
        }
        try old.close()
        let store = try Store(StoreConfiguration(location: .file(path)))
        defer { store.close() }
        #expect(try await Self.indexNames(store) == ["field_4_User_email"])
    }
}
