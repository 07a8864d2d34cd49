import Foundation
import Synchronization
import GRDB
@testable import RevstoreEngine
import RevstoreJSON
import Testing

/// A store file that the schema up to `migration` made, holding the rows `write` inserts as
/// that release wrote them, opened (so migrated to today's schema) by a `Store`.
func migratedStore(from migration: String, _ write: (Database) throws -> Void) throws -> Store {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("revstore-migration-\(UUID().uuidString).sqlite").path
    let old = try DatabaseQueue(path: path)
    try StoreSchema.migrator.migrate(old, upTo: migration)
    try old.write(write)
    try old.close()
    return try Store(StoreConfiguration(location: .file(path)))
}

/// Stores written before a migration open and keep working after it (append-only migrations).
@Suite("Migrations")
struct MigrationTests {
    @Test("stores opened on one file from many threads at once all open, each applying what the others have not",
          arguments: [nil, "v4: event feed"])
    func simultaneousOpening(olderSchema: String?) throws {
        for _ in 0..<10 {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("revstore-race-\(UUID().uuidString).sqlite").path
            // A new file is created by one of them; a file of an older release is migrated by all
            // of them at once.
            if let olderSchema {
                let old = try DatabaseQueue(path: path)
                try StoreSchema.migrator.migrate(old, upTo: olderSchema)
                try old.close()
            }
            let opened = Mutex<[Result<Store, EngineError>]>([])
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                let result = Result { () throws(EngineError) -> Store in try Store(StoreConfiguration(location: .file(path))) }
                opened.withLock { $0.append(result) }
            }
            // Every store opened: a failed migration would be thrown here.
            let stores = try opened.withLock { try $0.map { try $0.get() } }
            let applied = try DatabaseQueue(path: path).read { try StoreSchema.migrator.appliedIdentifiers($0) }
            #expect(applied.count == StoreSchema.migrator.migrations.count)
            stores.forEach { $0.close() }
        }
    }

    @Test("a new store is created in one script, with exactly the schema and rows the migrations build")
    func creationScript() throws {
        let migrated = try DatabaseQueue()
        try StoreSchema.migrator.migrate(migrated)
        let created = try DatabaseQueue()
        #expect(try StoreSchema.createIfEmpty(created))
        #expect(try !StoreSchema.createIfEmpty(created))
        let migratedSchema = try migrated.read(Self.schema)
        if try created.read(Self.schema) != migratedSchema {
            let script = try migrated.read { db in
                try String.fetchAll(db, sql: """
                    SELECT sql || ';' FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT IN ('grdb_migrations', 'sqlite_sequence') ORDER BY rowid
                    """)
            }
            Issue.record("StoreSchema.creationScript differs from what the migrations build; its schema should read:\n\(script.joined(separator: "\n"))")
        }
        #expect(try created.read(Self.rows) == migrated.read(Self.rows))
        // The migrator finds nothing left to apply.
        try StoreSchema.migrate(created)
        #expect(try created.read(Self.schema) == migratedSchema)
    }

    /// Every table, index and trigger as SQLite keeps it, but for `sqlite_sequence`: an early
    /// schema made it, and only SQLite itself can.
    static func schema(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT type || ' ' || name || ' ON ' || tbl_name || ': ' || coalesce(sql, '') FROM sqlite_schema
            WHERE name != 'sqlite_sequence' ORDER BY type, name
            """)
    }

    /// Every row of every table, the declared types' id (new in each store) left out.
    static func rows(_ db: Database) throws -> [String] {
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name != 'sqlite_sequence' ORDER BY name")
        return try tables.flatMap { table in
            try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").map { "\(table) \($0)" }
        }.filter { !$0.hasPrefix("store_meta [key:\"types\"") }
    }

    @Test("a store written before keyframes and deltas reads exactly, then takes appends as deltas")
    func beforeDeltas() async throws {
        let messages = (0..<30).map { JSONValue.string("message \($0) " + String(repeating: "x", count: 60)) }
        // The schema as the release before deltas left it.
        let store = try migratedStore(from: "v4: event feed") { db in
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
        // The lineage, found through its entity since v12, holds the old rows and the new.
        let lineage = try store.lineage(session: "s", lineageId: "lineage", type: nil, id: nil, at: ReadPosition(session: "s"))
        #expect(lineage.versions.map(\.version) == Array(1...40))
    }
}

@Suite("Migrations of lineages")
struct LineageMigrationTests {
    @Test("an entity's first lineage moves into its row; its other lineages stay listed, and both read back")
    func firstLineageInTheEntityRow() async throws {
        let store = try migratedStore(from: "v13: branch heads from their versions") { db in
            try db.execute(sql: """
                INSERT INTO session(id, name, created_at, metadata, default_branch) VALUES (1, 's', '2026-01-01T00:00:00.000Z', '{}', 'main');
                INSERT INTO branch(id, session_id, name, base_branch_id, base_version, created_at) VALUES (1, 1, 'main', NULL, 0, '2026-01-01T00:00:00.000Z');
                INSERT INTO version(branch_id, number, created_at, metadata, change_count) VALUES (1, 1, '2026-01-01T00:00:00.000Z', '{}', 1);
                INSERT INTO version(branch_id, number, created_at, metadata, change_count) VALUES (1, 2, '2026-01-01T00:00:00.000Z', '{}', 1);
                INSERT INTO entity(key, session_id, type, entity_id) VALUES (1, 1, 'Note', 'n');
                INSERT INTO entity_version(entity_key, type, branch_id, valid_from, valid_to, number, change, version_id, lineage_id, data, deleted,
                    created_at, created_at_version, updated_at, keyframe_bytes)
                VALUES (1, 'Note', 1, 1, 2, 1, 'created', 'v1', 'first', '{"n":1}', 0, '2026-01-01T00:00:00.000Z', 1, '2026-01-01T00:00:00.000Z', 7),
                       (1, 'Note', 1, 2, NULL, 2, 'updated', 'v2', 'second', '{"n":2}', 0, '2026-01-01T00:00:00.000Z', 1, '2026-01-01T00:00:00.000Z', 7);
                INSERT INTO lineage(entity_key, lineage_id) VALUES (1, 'first'), (1, 'second');
                """)
        }
        defer { store.close() }
        let (own, listed) = try store.read { db in
            (try String.fetchOne(db, sql: "SELECT lineage_id FROM entity WHERE key = 1"), try String.fetchAll(db, sql: "SELECT lineage_id FROM lineage"))
        }
        #expect(own == "first" && listed == ["second"])
        for (lineage, value) in [("first", 1), ("second", 2)] {
            let found = try store.lineage(session: "s", lineageId: lineage, type: nil, id: nil, at: ReadPosition(session: "s"))
            #expect(found.versions.map { $0.data["n"] } == [.integer(value)])
        }
        // A new entity's lineage goes in its own row, and reads back the same way.
        let f = Fixture(store: store, session: "s")
        try await f.commit([.put(type: "Note", id: "m", data: ["n": 3], ifVersion: nil)])
        let created = try #require(try await f.get("Note", "m"))
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM lineage") } == 1)
        let found = try store.lineage(session: "s", lineageId: created.lineageId, type: nil, id: nil, at: ReadPosition(session: "s"))
        #expect(found.versions.map(\.id) == ["m"])
    }
}

@Suite("Migrations of the event feed")
struct EventFeedMigrationTests {
    @Test("events written with AUTOINCREMENT keep their cursors, and new ones follow every cursor used, trimmed ones too")
    func cursorsWithoutAutoincrement() async throws {
        let store = try migratedStore(from: "v9: bytes as blobs") { db in
            for n in 1...5 {
                try db.execute(sql: "INSERT INTO event(kind, session, at) VALUES ('sessionCreated', ?, '2026-01-01T00:00:00.000Z')", arguments: ["s\(n)"])
            }
            // Cursors 4 and 5 trimmed, as session/delete leaves them: the highest removed is kept.
            try db.trimEvents(session: "s4")
            try db.trimEvents(session: "s5")
        }
        defer { store.close() }
        let (kept, _) = try store.feed(session: nil, since: nil, limit: 10)
        #expect(kept.map(\.cursor) == [1, 2, 3])
        _ = try await store.submitCreateSession(name: "after", metadata: nil).value()
        let (all, cursor) = try store.feed(session: nil, since: nil, limit: 10)
        #expect(all.map(\.cursor) == [1, 2, 3, 6])
        #expect(cursor == 6)
        let sequence = try store.read { db in try Bool.fetchOne(db, sql: "SELECT count(*) > 0 FROM sqlite_sequence WHERE name = 'event'") }
        #expect(sequence == false)
    }
}

@Suite("Migrations of blobs")
struct BlobMigrationTests {
    @Test("blobs listed in blob_ref count their rows, and still go with the last row that refers to them")
    func referencesBecomeCounts() async throws {
        let store = try migratedStore(from: "v10: event cursors without AUTOINCREMENT") { db in
            try db.execute(sql: """
                INSERT INTO session(id, name, created_at, metadata, default_branch) VALUES (1, 's', '2026-01-01T00:00:00.000Z', '{}', 'main');
                INSERT INTO branch(id, session_id, name, head, base_branch_id, base_version, created_at) VALUES (1, 1, 'main', 3, NULL, 0, '2026-01-01T00:00:00.000Z');
                INSERT INTO entity(key, session_id, type, entity_id) VALUES (1, 1, 'File', 'a'), (2, 1, 'File', 'b');
                INSERT INTO blob(id, hash, bytes) VALUES (1, 0, x'0001'), (2, 0, x'0203');
                INSERT INTO version(branch_id, number, created_at, metadata, change_count)
                    VALUES (1, 1, '', '{}', 0), (1, 2, '', '{}', 2), (1, 3, '', '{}', 1);
                """)
            // a refers to blob 1, then 2; b to blob 1, and holds an ordinary object with a `$bytes` member.
            for (row, key, version, data) in [(1, 1, 2, #"{"c":{"$bytes":1}}"#), (2, 2, 2, #"{"c":{"$bytes":1},"o":{"$bytes":2,"x":1}}"#), (3, 1, 3, #"{"c":{"$bytes":2}}"#)] {
                try db.execute(sql: """
                    INSERT INTO entity_version(id, entity_key, type, branch_id, valid_from, valid_to, number, change, version_id, lineage_id, data, deleted,
                        created_at, created_at_version, updated_at, blobs) VALUES (?, ?, 'File', 1, ?, ?, ?, 'created', ?, 'l', ?, 0, '', 2, '', 1)
                    """, arguments: [row, key, version, row == 1 ? 3 : nil, row == 3 ? 2 : 1, "v\(row)", data])
                try db.execute(sql: "INSERT INTO blob_ref(row_id, blob_id) VALUES (?, ?)", arguments: [row, row == 3 ? 2 : 1])
            }
        }
        defer { store.close() }
        func refs() throws -> [Int: Int] {
            try store.read { db in Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, refs FROM blob").map { ($0["id"], $0["refs"]) }) }
        }
        #expect(try refs() == [1: 2, 2: 1])
        _ = try await store.submitPurge(session: "s", entities: [("File", "b")]).value()
        #expect(try refs() == [1: 1, 2: 1])
        _ = try await store.submitCompact(session: "s", keepLast: 1, keepSince: nil, dryRun: false).value()
        #expect(try refs() == [2: 1])
        #expect(try await Fixture(store: store, session: "s").get("File", "a")?.data == ["c": .bytes([2, 3])])
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
        let store = try migratedStore(from: "v6: trimmed feed") { db in
            try db.execute(sql: """
                INSERT INTO type_def(name, definition, revision, created_at, updated_at)
                VALUES ('User', '{"fields":{"email":{"index":true,"type":"string"}},"strict":false}', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
                CREATE INDEX "field_User_email" ON entity_version(json_extract(data, '$."email"')) WHERE type = 'User';
                """)
        }
        defer { store.close() }
        #expect(try await Self.indexNames(store) == ["field_4_User_email"])
    }
}
