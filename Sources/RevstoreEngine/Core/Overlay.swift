import GRDB

/// Entity versions that exist only for the length of a read: what a turn's staged ops would
/// write as the next version of its branch. A read through the overlay sees them through
/// temporary views that shadow `entity` and `entity_version` on its own connection, so every
/// read method works unchanged, nothing is written to the store, and no write lock is taken.
struct Overlay {
    /// One entity version the commit would write (always whole data).
    struct Row {
        var key: Int64?
        var type: String
        var id: String
        var branchID: Int64
        var version: Int
        var number: Int
        var change: Change.Kind
        var versionID: String
        var parentVersionID: String?
        var lineageID: String
        var data: String
        var deleted: Bool
        var createdAt: String
        var createdAtVersion: Int
        var createdBy: String?
        var updatedAt: String
        var updatedBy: String?
        var deletedAt: String?
        var deletedBy: String?
        /// The row it ends on its own branch, if any.
        var supersedes: Int64?
    }

    var sessionID: Int64
    /// The version the rows would make.
    var version: Int
    var rows: [Row]
}

extension Database {
    /// Runs `body` with `overlay` in place on this connection, then removes it. Call inside a
    /// transaction, so that the overlay and the data under it are one snapshot.
    func reading<Value>(through overlay: Overlay, _ body: () throws -> Value) throws -> Value {
        guard !overlay.rows.isEmpty else { return try body() }
        try execute(sql: """
            CREATE TEMP TABLE overlay_entity(key INTEGER PRIMARY KEY, session_id INTEGER, type TEXT, entity_id TEXT);
            CREATE TEMP TABLE overlay_version(id INTEGER PRIMARY KEY, entity_key INTEGER, type TEXT, branch_id INTEGER, valid_from INTEGER,
                number INTEGER, change TEXT, version_id TEXT, parent_version_id TEXT, lineage_id TEXT, data TEXT, deleted INTEGER,
                created_at TEXT, created_at_version INTEGER, created_by TEXT, updated_at TEXT, updated_by TEXT, deleted_at TEXT,
                deleted_by TEXT, supersedes INTEGER);
            """)
        defer {
            try? execute(sql: """
                DROP VIEW IF EXISTS temp.entity_version; DROP VIEW IF EXISTS temp.entity;
                DROP TABLE IF EXISTS temp.overlay_version; DROP TABLE IF EXISTS temp.overlay_entity;
                """)
        }
        var nextKey = (try Int64.fetchOne(self, sql: "SELECT max(key) FROM main.entity") ?? 0) + 1
        let firstRowID = (try Int64.fetchOne(self, sql: "SELECT max(id) FROM main.entity_version") ?? 0) + 1
        for (offset, row) in overlay.rows.enumerated() {
            let key: Int64
            if let existing = row.key {
                key = existing
            } else {
                key = nextKey
                nextKey += 1
                try execute(sql: "INSERT INTO temp.overlay_entity(key, session_id, type, entity_id) VALUES (?, ?, ?, ?)",
                            arguments: [key, overlay.sessionID, row.type, row.id])
            }
            try execute(sql: """
                INSERT INTO temp.overlay_version VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    firstRowID + Int64(offset), key, row.type, row.branchID, row.version, row.number, row.change.rawValue, row.versionID,
                    row.parentVersionID, row.lineageID, row.data, row.deleted, row.createdAt, row.createdAtVersion, row.createdBy,
                    row.updatedAt, row.updatedBy, row.deletedAt, row.deletedBy, row.supersedes,
                ])
        }
        let common = """
            entity_key, type, branch_id, valid_from, number, change, version_id, parent_version_id, lineage_id, data, deleted, \
            created_at, created_at_version, created_by, updated_at, updated_by, deleted_at, deleted_by
            """
        try execute(sql: """
            CREATE TEMP VIEW entity AS
                SELECT key, session_id, type, entity_id FROM main.entity
                UNION ALL SELECT key, session_id, type, entity_id FROM temp.overlay_entity;
            CREATE TEMP VIEW entity_version AS
                SELECT id, \(common), delta, base_id, chain_bytes, keyframe_bytes, blobs,
                    CASE WHEN id IN (SELECT supersedes FROM temp.overlay_version) THEN \(overlay.version) ELSE valid_to END AS valid_to
                FROM main.entity_version
                UNION ALL SELECT id, \(common), NULL, NULL, 0, length(CAST(data AS BLOB)), 0, NULL FROM temp.overlay_version;
            """)
        return try body()
    }
}
