import GRDB

extension StoreSchema {
    /// Creates today's schema in a store with none yet, in one transaction, and records every
    /// migration as applied; false, leaving it untouched, when the store has a schema already.
    ///
    /// A new store gets in one script what the migrations build step by step: replaying them
    /// took most of a new store's opening (each step's statements parsed against a schema that
    /// changes under them). A store with a schema is told apart without the write lock; an
    /// empty one is looked at again under it, which makes one of several processes creating one
    /// file the creator, and the others find its schema and go on to `migrate`.
    static func createIfEmpty(_ database: any DatabaseWriter) throws -> Bool {
        try database.writeWithoutTransaction { db in
            func isEmpty() throws -> Bool { try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_schema") == 0 }
            guard try isEmpty() else { return false }
            var created = false
            try db.inTransaction(.immediate) {
                guard try isEmpty() else { return .rollback }
                try db.execute(sql: creationScript)
                try db.noteTypesChanged()
                try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
                for identifier in migrator.migrations {
                    try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES (?)", arguments: [identifier])
                }
                created = true
                return .commit
            }
            return created
        }
    }

    /// The schema the migrations build, as SQLite keeps it (`sqlite_schema`), and the rows they
    /// write. A test keeps the two equal: a new migration changes this script too, and the
    /// test's failure prints the schema statements to put here.
    static let creationScript = """
        CREATE TABLE store_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
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
            review_notes TEXT, pruned INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY(branch_id, number)
        ) WITHOUT ROWID;
        CREATE TABLE entity(
            key INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
            type TEXT NOT NULL,
            entity_id TEXT NOT NULL, lineage_id TEXT,
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
        , type TEXT, delta TEXT, base_id INTEGER, chain_bytes INTEGER NOT NULL DEFAULT 0, keyframe_bytes INTEGER NOT NULL DEFAULT 0, blobs INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX entity_version_as_of ON entity_version(entity_key, branch_id, valid_from);
        CREATE INDEX entity_version_by_version ON entity_version(branch_id, valid_from);
        CREATE TABLE tag(
            session_id INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            branch_id INTEGER NOT NULL REFERENCES branch(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY(session_id, name)
        );
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
        CREATE TABLE merge_record(
            target_branch_id INTEGER NOT NULL REFERENCES branch(id) ON DELETE CASCADE,
            source_branch_id INTEGER NOT NULL REFERENCES branch(id) ON DELETE CASCADE,
            source_version INTEGER NOT NULL,
            target_version INTEGER NOT NULL
        );
        CREATE INDEX merge_record_pair ON merge_record(target_branch_id, source_branch_id);
        CREATE INDEX branch_base ON branch(base_branch_id);
        CREATE TABLE type_def(
            name TEXT PRIMARY KEY,
            definition TEXT NOT NULL,
            revision INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE event_trim(session TEXT PRIMARY KEY, through INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX version_approved ON version(branch_id, number) WHERE review_status = 'approved';
        CREATE TABLE blob(id INTEGER PRIMARY KEY, hash INTEGER NOT NULL, bytes BLOB NOT NULL, refs INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX blob_by_hash ON blob(hash);
        CREATE TABLE "event"(
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
        CREATE INDEX event_by_session ON event(session, cursor);
        CREATE INDEX event_trim_through ON event_trim(through);
        CREATE TRIGGER blob_released_by_delete AFTER DELETE ON entity_version WHEN old.blobs > 0 BEGIN
            UPDATE blob SET refs = refs - 1 WHERE id IN (SELECT value FROM json_tree(coalesce(old.delta, old.data)) WHERE key = '$bytes' AND type = 'integer'
            AND json_extract(coalesce(old.delta, old.data), path) = json_object('$bytes', value));
            DELETE FROM blob WHERE refs <= 0 AND id IN (SELECT value FROM json_tree(coalesce(old.delta, old.data)) WHERE key = '$bytes' AND type = 'integer'
            AND json_extract(coalesce(old.delta, old.data), path) = json_object('$bytes', value));
        END;
        CREATE TRIGGER blob_released_by_rewrite AFTER UPDATE OF data, delta ON entity_version WHEN old.blobs > 0 BEGIN
            UPDATE blob SET refs = refs - 1 WHERE id IN (SELECT value FROM json_tree(coalesce(old.delta, old.data)) WHERE key = '$bytes' AND type = 'integer'
            AND json_extract(coalesce(old.delta, old.data), path) = json_object('$bytes', value));
            DELETE FROM blob WHERE refs <= 0 AND id IN (SELECT value FROM json_tree(coalesce(old.delta, old.data)) WHERE key = '$bytes' AND type = 'integer'
            AND json_extract(coalesce(old.delta, old.data), path) = json_object('$bytes', value));
        END;
        CREATE TABLE lineage(
            entity_key INTEGER NOT NULL REFERENCES entity(key) ON DELETE CASCADE,
            lineage_id TEXT NOT NULL,
            PRIMARY KEY(entity_key, lineage_id)
        ) WITHOUT ROWID;
        INSERT INTO store_meta(key, value) VALUES ('format', '1');
        """
}
