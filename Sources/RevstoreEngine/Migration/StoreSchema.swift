import GRDB

/// The store's schema, as append-only migrations: never edit a registered migration, add one.
///
/// How versions are stored (see protocol/DESIGN.md): an entity version is one row of
/// `entity_version`, valid on its branch from session version `valid_from` until `valid_to`
/// (exclusive; NULL while current). A version stores only the rows it changed. Reading an entity
/// at version v of a branch is one index seek per segment of the branch's ancestry: the row with
/// the greatest `valid_from <= v` on that segment's branch.
enum StoreSchema {
    /// Migrates `database` (a new one is created in one script: `createIfEmpty`), tolerating
    /// other processes migrating the same file at the same moment. The migrator reads which
    /// migrations are applied before it takes the write lock to apply the next, so an attempt
    /// fails whenever another process applied that one meanwhile; it tries again for as long as
    /// the others make progress, and a failure with none (after one more attempt) is a real one.
    static func migrate(_ database: any DatabaseWriter) throws {
        var appliedAtLastFailure: Set<String>?
        while true {
            do {
                if try createIfEmpty(database) { return }
                return try migrator.migrate(database)
            } catch {
                guard let applied = try? database.read({ try migrator.appliedIdentifiers($0) }), applied != appliedAtLastFailure else {
                    throw error
                }
                appliedAtLastFailure = applied
            }
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: sessions, branches, versions, entities") { db in
            try db.execute(sql: """
                CREATE TABLE store_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT INTO store_meta(key, value) VALUES ('format', '1');

                CREATE TABLE session(
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    created_at TEXT NOT NULL,
                    metadata TEXT NOT NULL,
                    default_branch TEXT NOT NULL
                );

                CREATE TABLE branch(
                    id INTEGER PRIMARY KEY,
                    session_id INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    head INTEGER NOT NULL,
                    base_branch_id INTEGER REFERENCES branch(id),
                    base_version INTEGER NOT NULL,
                    created_at TEXT NOT NULL,
                    UNIQUE(session_id, name)
                );

                CREATE TABLE version(
                    branch_id INTEGER NOT NULL REFERENCES branch(id) ON DELETE CASCADE,
                    number INTEGER NOT NULL,
                    created_at TEXT NOT NULL,
                    actor TEXT,
                    message TEXT,
                    metadata TEXT NOT NULL,
                    turn TEXT,
                    change_count INTEGER NOT NULL,
                    review_status TEXT NOT NULL DEFAULT 'draft',
                    submitted_at TEXT, submitted_by TEXT,
                    reviewed_at TEXT, reviewed_by TEXT,
                    review_notes TEXT,
                    PRIMARY KEY(branch_id, number)
                ) WITHOUT ROWID;

                CREATE TABLE entity(
                    key INTEGER PRIMARY KEY,
                    session_id INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
                    type TEXT NOT NULL,
                    entity_id TEXT NOT NULL,
                    UNIQUE(session_id, type, entity_id)
                );

                CREATE TABLE entity_version(
                    id INTEGER PRIMARY KEY,
                    entity_key INTEGER NOT NULL REFERENCES entity(key) ON DELETE CASCADE,
                    branch_id INTEGER NOT NULL,
                    valid_from INTEGER NOT NULL,
                    valid_to INTEGER,
                    number INTEGER NOT NULL,
                    change TEXT NOT NULL,
                    version_id TEXT NOT NULL UNIQUE,
                    parent_version_id TEXT,
                    lineage_id TEXT NOT NULL,
                    data TEXT NOT NULL,
                    deleted INTEGER NOT NULL,
                    created_at TEXT NOT NULL,
                    created_at_version INTEGER NOT NULL,
                    created_by TEXT,
                    updated_at TEXT NOT NULL,
                    updated_by TEXT,
                    deleted_at TEXT,
                    deleted_by TEXT
                );
                -- As-of reads: the latest row of an entity on a branch at or before a version.
                CREATE INDEX entity_version_as_of ON entity_version(entity_key, branch_id, valid_from);
                -- What a version changed: version/get, diff, revert.
                CREATE INDEX entity_version_by_version ON entity_version(branch_id, valid_from);
                CREATE INDEX entity_version_lineage ON entity_version(lineage_id);
                """)
        }
        migrator.registerMigration("v2: tags, turns, merges, pruning") { db in
            try db.execute(sql: """
                CREATE TABLE tag(
                    session_id INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    branch_id INTEGER NOT NULL REFERENCES branch(id) ON DELETE CASCADE,
                    version INTEGER NOT NULL,
                    created_at TEXT NOT NULL,
                    PRIMARY KEY(session_id, name)
                );

                -- A staged unit of work: its ops wait in turn_op until it is committed.
                CREATE TABLE turn(
                    id TEXT PRIMARY KEY,
                    session_id INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
                    branch_id INTEGER NOT NULL REFERENCES branch(id) ON DELETE CASCADE,
                    base_version INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    message TEXT,
                    metadata TEXT NOT NULL,
                    actor TEXT,
                    created_at TEXT NOT NULL,
                    version INTEGER
                );
                CREATE INDEX turn_by_session ON turn(session_id, status);
                CREATE TABLE turn_op(
                    turn_id TEXT NOT NULL REFERENCES turn(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    operation TEXT NOT NULL,
                    PRIMARY KEY(turn_id, position)
                ) WITHOUT ROWID;

                -- Each merge, so the next merge of the same branches starts from the last one.
                CREATE TABLE merge_record(
                    target_branch_id INTEGER NOT NULL REFERENCES branch(id) ON DELETE CASCADE,
                    source_branch_id INTEGER NOT NULL REFERENCES branch(id) ON DELETE CASCADE,
                    source_version INTEGER NOT NULL,
                    target_version INTEGER NOT NULL
                );
                CREATE INDEX merge_record_pair ON merge_record(target_branch_id, source_branch_id);

                -- Compaction keeps the version row, marked, so reads at it can say it was pruned.
                ALTER TABLE version ADD COLUMN pruned INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX version_review ON version(branch_id, review_status, number);
                CREATE INDEX branch_base ON branch(base_branch_id);
                """)
        }
        migrator.registerMigration("v3: declared types") { db in
            try db.execute(sql: """
                CREATE TABLE type_def(
                    name TEXT PRIMARY KEY,
                    definition TEXT NOT NULL,
                    revision INTEGER NOT NULL,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                -- The type beside each entity version, so a declared field's index can be a partial
                -- index over one type's rows.
                ALTER TABLE entity_version ADD COLUMN type TEXT;
                UPDATE entity_version SET type = (SELECT e.type FROM entity e WHERE e.key = entity_version.entity_key);
                """)
        }
        migrator.registerMigration("v4: event feed") { db in
            try db.execute(sql: """
                -- One row per change to the store, appended in the change's own transaction. The
                -- cursor only grows, across every process writing the file.
                CREATE TABLE event(
                    cursor INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    session TEXT NOT NULL,
                    branch TEXT,
                    version INTEGER,
                    at TEXT NOT NULL,
                    actor TEXT,
                    message TEXT,
                    changes TEXT,
                    detail TEXT
                );
                CREATE INDEX event_by_session ON event(session, cursor);
                """)
        }
        migrator.registerMigration("v5: entity versions as keyframes and deltas") { db in
            try db.execute(sql: """
                -- A row is a keyframe (delta IS NULL: data is the whole entity) or a delta: an RFC 6902
                -- JSON Patch from the data of row base_id, with data holding '{}'. chain_bytes counts
                -- the delta bytes since the chain's keyframe, whose size is keyframe_bytes; the two
                -- decide when the next keyframe is due (see protocol/DESIGN.md).
                ALTER TABLE entity_version ADD COLUMN delta TEXT;
                ALTER TABLE entity_version ADD COLUMN base_id INTEGER;
                ALTER TABLE entity_version ADD COLUMN chain_bytes INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE entity_version ADD COLUMN keyframe_bytes INTEGER NOT NULL DEFAULT 0;
                UPDATE entity_version SET keyframe_bytes = length(CAST(data AS BLOB));
                """)
        }
        migrator.registerMigration("v6: trimmed feed") { db in
            try db.execute(sql: """
                -- The highest cursor of a session's events removed by compaction or session/delete:
                -- a reader resuming from before it would miss events, so it is told so.
                CREATE TABLE event_trim(session TEXT PRIMARY KEY, through INTEGER NOT NULL) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v7: field index names that cannot collide") { db in
            // Index names were `field_TYPE_FIELD`, so two pairs could collide and the second index
            // was never made. Every declared index is made again under its new name.
            for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'field\\_%' ESCAPE '\\'") {
                try db.execute(sql: "DROP INDEX \"\(name)\"")
            }
            for definition in try db.storedTypeDefinitions() {
                try Store.createIndexes(db, for: definition)
            }
        }
        migrator.registerMigration("v8: an index of approved versions only") { db in
            try db.execute(sql: """
                -- Only `approved` is ever looked up by status, and most versions stay drafts: a
                -- partial index leaves a commit one B-tree page fewer to write.
                DROP INDEX version_review;
                CREATE INDEX version_approved ON version(branch_id, number) WHERE review_status = 'approved';
                """)
        }
        migrator.registerMigration("v9: bytes as blobs") { db in
            try db.execute(sql: """
                -- Each distinct byte string of the bytes values in entity data, once (see protocol/DESIGN.md).
                -- Stored text refers to one as {"$bytes": id}; `hash` (FNV-1a) finds an equal one.
                CREATE TABLE blob(id INTEGER PRIMARY KEY, hash INTEGER NOT NULL, bytes BLOB NOT NULL);
                CREATE INDEX blob_by_hash ON blob(hash);
                -- The blobs a row's stored text (data or delta) refers to. A blob goes with the last
                -- row that refers to it, whatever removed the row.
                CREATE TABLE blob_ref(
                    row_id INTEGER NOT NULL REFERENCES entity_version(id) ON DELETE CASCADE,
                    blob_id INTEGER NOT NULL REFERENCES blob(id),
                    PRIMARY KEY(row_id, blob_id)
                ) WITHOUT ROWID;
                CREATE INDEX blob_ref_by_blob ON blob_ref(blob_id);
                CREATE TRIGGER blob_unreferenced AFTER DELETE ON blob_ref BEGIN
                    DELETE FROM blob WHERE id = old.blob_id AND NOT EXISTS (SELECT 1 FROM blob_ref WHERE blob_id = old.blob_id);
                END;
                -- How many blobs the row's stored text refers to: a keyframe with none is its whole data.
                ALTER TABLE entity_version ADD COLUMN blobs INTEGER NOT NULL DEFAULT 0;
                """)
        }
        migrator.registerMigration("v10: event cursors without AUTOINCREMENT") { db in
            try db.execute(sql: """
                -- AUTOINCREMENT wrote sqlite_sequence, one page more, in every commit. Events are only
                -- ever removed through event_trim, which keeps the highest cursor removed, so the next
                -- cursor follows the greater of that and the highest kept (`Database.appendEvent`).
                CREATE TABLE event_v10(
                    cursor INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL,
                    session TEXT NOT NULL,
                    branch TEXT,
                    version INTEGER,
                    at TEXT NOT NULL,
                    actor TEXT,
                    message TEXT,
                    changes TEXT,
                    detail TEXT
                );
                INSERT INTO event_v10 SELECT cursor, kind, session, branch, version, at, actor, message, changes, detail FROM event;
                DROP TABLE event;
                ALTER TABLE event_v10 RENAME TO event;
                CREATE INDEX event_by_session ON event(session, cursor);
                CREATE INDEX event_trim_through ON event_trim(through);
                """)
        }
        migrator.registerMigration("v11: blobs count their references") { db in
            // The blobs a removed or rewritten row's stored text referred to: its objects that are
            // exactly {"$bytes": id} (user data cannot hold one: `$bytes` must be base64 there).
            let released = """
                SELECT value FROM json_tree(coalesce(old.delta, old.data)) WHERE key = '$bytes' AND type = 'integer'
                    AND json_extract(coalesce(old.delta, old.data), path) = json_object('$bytes', value)
                """
            try db.execute(sql: """
                -- blob_ref and its index were two pages more in every commit that wrote bytes. A blob
                -- now counts the rows whose stored text refers to it; a row refers to each blob once.
                ALTER TABLE blob ADD COLUMN refs INTEGER NOT NULL DEFAULT 0;
                UPDATE blob SET refs = (SELECT count(*) FROM blob_ref WHERE blob_id = blob.id);
                DROP TRIGGER blob_unreferenced;
                DROP TABLE blob_ref;
                -- Whatever removes a row (purge, compaction, branch and session deletion, cascades) or
                -- rewrites its stored text releases the blobs the text referred to; the last release
                -- removes the blob. The writer counts a row's new references first (`Blobs.hold`).
                CREATE TRIGGER blob_released_by_delete AFTER DELETE ON entity_version WHEN old.blobs > 0 BEGIN
                    UPDATE blob SET refs = refs - 1 WHERE id IN (\(released));
                    DELETE FROM blob WHERE refs <= 0 AND id IN (\(released));
                END;
                CREATE TRIGGER blob_released_by_rewrite AFTER UPDATE OF data, delta ON entity_version WHEN old.blobs > 0 BEGIN
                    UPDATE blob SET refs = refs - 1 WHERE id IN (\(released));
                    DELETE FROM blob WHERE refs <= 0 AND id IN (\(released));
                END;
                """)
        }
        migrator.registerMigration("v12: lineages by entity") { db in
            try db.execute(sql: """
                -- The lineages each entity has versions of, written when an entity's row takes a
                -- lineage its previous row did not have (creation, fork, import). The index on
                -- entity_version(lineage_id) it replaces was one page more in every commit, as an
                -- entity's updates land in the middle of it. A lineage is found through the
                -- session's entities, one seek each.
                CREATE TABLE lineage(
                    entity_key INTEGER NOT NULL REFERENCES entity(key) ON DELETE CASCADE,
                    lineage_id TEXT NOT NULL,
                    PRIMARY KEY(entity_key, lineage_id)
                ) WITHOUT ROWID;
                INSERT INTO lineage(entity_key, lineage_id) SELECT DISTINCT entity_key, lineage_id FROM entity_version;
                DROP INDEX entity_version_lineage;
                """)
        }
        migrator.registerMigration("v13: branch heads from their versions") { db in
            // A branch's head is its newest version (`BranchRow.head`): versions are only ever
            // added, one past the head, and removed only with their session. Keeping it in the
            // branch row was one page more in every commit.
            try db.execute(sql: "ALTER TABLE branch DROP COLUMN head")
        }
        migrator.registerMigration("v14: an entity's first lineage in its own row") { db in
            try db.execute(sql: """
                -- A created entity's lineage goes in the entity row the creation writes anyway:
                -- a lineage row for each was one page more in every commit that created one.
                -- `lineage` keeps the entity's other lineages (forks, imports).
                ALTER TABLE entity ADD COLUMN lineage_id TEXT;
                UPDATE entity SET lineage_id = (SELECT lineage_id FROM entity_version WHERE entity_key = entity.key ORDER BY id LIMIT 1);
                DELETE FROM lineage WHERE lineage_id = (SELECT lineage_id FROM entity WHERE key = lineage.entity_key);
                """)
        }
        migrator.registerMigration("v15: an id for the declared types") { db in
            // Commits and queries read the declared types from a cache keyed by this id, which
            // every declaration renews (`DeclaredTypes`), instead of reading `type_def` each time.
            try db.noteTypesChanged()
        }
        return migrator
    }
}
