import Foundation
import GRDB
import RevstoreJSON

/// What `session/compact` removed (or, with `dryRun`, would remove).
public struct CompactionReport: Sendable, Equatable, JSONEncodable {
    public var removedVersions: Int
    public var removedEntityVersions: Int
    public var keptVersions: Int
}

/// A version that compaction must keep: `version` as `branch` (default: the session's default
/// branch) sees it.
public struct KeepPoint: Sendable, Equatable {
    public var branch: String?
    public var version: Int

    public init(branch: String? = nil, version: Int) {
        self.branch = branch
        self.version = version
    }
}

/// What `entity/purge` removed.
public struct PurgeReport: Sendable, Equatable, JSONEncodable {
    public var removedEntities: Int
    public var removedEntityVersions: Int
}

/// Counts of what a store holds, and its size.
public struct StoreStats: Sendable, Equatable, JSONEncodable {
    /// Sizes in bytes.
    public struct Bytes: Sendable, Equatable, Encodable {
        public var file: Int
        public var free: Int
        public var wal: Int
        /// Each table with its indexes (SQLite's dbstat).
        public var tables: [String: Int]
    }

    public var sessions: Int
    public var branches: Int
    public var versions: Int
    public var prunedVersions: Int
    public var entities: Int
    public var entityVersions: Int
    public var tags: Int
    public var turns: Int
    public var openTurns: Int
    /// Entity versions stored whole.
    public var keyframes: Int
    /// Entity versions stored as a patch from the one before.
    public var deltas: Int
    public var blobs: Int
    public var events: Int
    public var bytes: Bytes
}

extension Store {
    /// Removes versions outside the retention window and every entity version no retained
    /// version reads. A version is retained when it is among the last `keepLast` of its branch,
    /// or was created at or after `keepSince`, or is one of `keep`, or is protected: a branch
    /// head, a version a branch was created from, a tagged version, a branch's latest approved
    /// version, or the base of an open turn. Every retained version reads exactly as before.
    public func submitCompact(session: String, keepLast: Int?, keepSince: String?, keep: [KeepPoint] = [], dryRun: Bool) -> WriteTicket<CompactionReport> {
        submitWrite { db in
            guard keepLast != nil || keepSince != nil || !keep.isEmpty else {
                throw EngineError.invalidArgument("give keepLast, keepSince or keep: what to keep besides branch heads and other protected versions", path: "keepLast")
            }
            if let keepLast, keepLast < 1 { throw EngineError.invalidArgument("keepLast must be at least 1", path: "keepLast") }
            let sessionRow = try db.sessionRow(session)
            var report = CompactionReport(removedVersions: 0, removedEntityVersions: 0, keptVersions: 0)
            try db.inSavepoint {
                report = try Self.compact(db, session: sessionRow, keepLast: keepLast, keepSince: keepSince, keep: keep)
                return dryRun ? .rollback : .commit
            }
            if !dryRun { try db.appendEvent(.compacted, session: session, detail: report.json) }
            return report
        }
    }

    /// Removes every version of the given entities from every branch of the session, as if
    /// they had never been written: history, reads at old versions and lineage no longer show
    /// them, and with `secure_delete` their bytes are overwritten in the file. Entities that do
    /// not exist are skipped.
    public func submitPurge(session: String, entities: [(type: String, id: String)]) -> WriteTicket<PurgeReport> {
        submitWrite { db in
            for (index, entity) in entities.enumerated() {
                try Names.checkType(entity.type, path: "entities.\(index).type")
                try Names.checkEntityID(entity.id, path: "entities.\(index).id")
            }
            let sessionRow = try db.sessionRow(session)
            var keys: [Int64] = []
            var purged: [JSONValue] = []
            for entity in entities {
                guard let key = try db.entityKey(session: sessionRow, type: entity.type, id: entity.id), !keys.contains(key) else { continue }
                keys.append(key)
                purged.append(["type": .string(entity.type), "id": .string(entity.id)])
            }
            guard !keys.isEmpty else { return PurgeReport(removedEntities: 0, removedEntityVersions: 0) }
            let keyList = JSONValue.array(keys.map { .integer(Int($0)) }).canonicalText
            try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS doomed_row(id INTEGER PRIMARY KEY)")
            try db.execute(sql: "DELETE FROM temp.doomed_row")
            try db.run("INSERT INTO temp.doomed_row(id) SELECT id FROM entity_version WHERE entity_key IN (SELECT value FROM json_each(?))", [keyList])
            try Self.removeDoomedRows(db)
            let removedEntityVersions = db.changesCount
            try db.run("DELETE FROM entity WHERE key IN (SELECT value FROM json_each(?))", [keyList])
            let report = PurgeReport(removedEntities: keys.count, removedEntityVersions: removedEntityVersions)
            try db.appendEvent(.purged, session: session, detail: ["entities": .array(purged), "removedEntities": .integer(report.removedEntities),
                                                                   "removedEntityVersions": .integer(report.removedEntityVersions)])
            return report
        }
    }

    /// Deletes the rows listed in `temp.doomed_row`; a kept delta whose base goes is stored whole
    /// first, so no keyframe a kept version needs is lost. `changesCount` is then the rows deleted.
    private static func removeDoomedRows(_ db: Database) throws {
        try EntityData.makeKeyframes(db, where: "v.base_id IN (SELECT id FROM temp.doomed_row) AND v.id NOT IN (SELECT id FROM temp.doomed_row)")
        try db.run("DELETE FROM entity_version WHERE id IN (SELECT id FROM temp.doomed_row)")
    }

    private static func compact(_ db: Database, session: SessionRow, keepLast: Int?, keepSince: String?, keep: [KeepPoint]) throws -> CompactionReport {
        let branches = try db.fetchAll(BranchRow.self, "SELECT \(BranchRow.columns) FROM branch WHERE session_id = ?", [session.id])
        try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS keep_point(branch_id INTEGER NOT NULL, number INTEGER NOT NULL, PRIMARY KEY(branch_id, number)) WITHOUT ROWID")
        try db.execute(sql: "DELETE FROM temp.keep_point")

        /// Keeps the version a branch sees as `version`, wherever in its ancestry it lives.
        func protect(_ branch: BranchRow, _ version: Int) throws {
            guard version >= 1, let owner = try db.segments(of: branch, at: version).first else { return }
            try db.run("INSERT OR IGNORE INTO temp.keep_point(branch_id, number) VALUES (?, ?)", [owner.branchID, version])
        }
        let byID = Dictionary(uniqueKeysWithValues: branches.map { ($0.id, $0) })
        for branch in branches {
            try protect(branch, branch.head)
            if let parent = branch.baseBranchID.flatMap({ byID[$0] }) { try protect(parent, branch.baseVersion) }
            if let approved = try db.latestApproved(branch) { try protect(branch, approved) }
            if let keepLast {
                try db.run("""
                    INSERT OR IGNORE INTO temp.keep_point(branch_id, number)
                    SELECT branch_id, number FROM version WHERE branch_id = ? AND pruned = 0 ORDER BY number DESC LIMIT ?
                    """, [branch.id, keepLast])
            }
            if let keepSince {
                try db.run("INSERT OR IGNORE INTO temp.keep_point(branch_id, number) SELECT branch_id, number FROM version WHERE branch_id = ? AND pruned = 0 AND created_at >= ?",
                           [branch.id, keepSince])
            }
        }
        for (index, point) in keep.enumerated() {
            let branch = try db.branchRow(session: session, name: point.branch)
            guard (1...branch.head).contains(point.version) else {
                throw EngineError.invalidArgument("version \(point.version) is not on branch \(branch.name), whose head is \(branch.head)", path: "keep.\(index).at")
            }
            try protect(branch, point.version)
        }
        for tag in try db.fetchAll(Row.self, "SELECT branch_id, version FROM tag WHERE session_id = ?", [session.id]) {
            if let branch = byID[tag["branch_id"]] { try protect(branch, tag["version"]) }
        }
        for turn in try db.fetchAll(Row.self, "SELECT branch_id, base_version FROM turn WHERE session_id = ? AND status = 'staged'", [session.id]) {
            if let branch = byID[turn["branch_id"]] { try protect(branch, turn["base_version"]) }
        }

        // An entity version is needed when it is the visible row at some kept version of its branch.
        try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS doomed_row(id INTEGER PRIMARY KEY)")
        try db.execute(sql: "DELETE FROM temp.doomed_row")
        try db.run("""
            INSERT INTO temp.doomed_row(id) SELECT id FROM entity_version WHERE entity_key IN (SELECT key FROM entity WHERE session_id = ?) AND NOT EXISTS (
                SELECT 1 FROM temp.keep_point k WHERE k.branch_id = entity_version.branch_id
                AND k.number >= entity_version.valid_from AND (entity_version.valid_to IS NULL OR k.number < entity_version.valid_to))
            """, [session.id])
        try removeDoomedRows(db)
        let removedEntityVersions = db.changesCount
        try db.run("DELETE FROM entity WHERE session_id = ? AND NOT EXISTS (SELECT 1 FROM entity_version v WHERE v.entity_key = entity.key)", [session.id])
        try db.run("""
            UPDATE version SET pruned = 1 WHERE pruned = 0 AND branch_id IN (SELECT id FROM branch WHERE session_id = ?)
            AND NOT EXISTS (SELECT 1 FROM temp.keep_point k WHERE k.branch_id = version.branch_id AND k.number = version.number)
            """, [session.id])
        let removedVersions = db.changesCount
        // Events about removed versions go too, so the feed does not grow without bound.
        try db.trimEvents(session: session.name, where: """
            kind IN ('committed', 'reviewed', 'tagSet', 'tagDeleted') AND EXISTS (SELECT 1 FROM version v JOIN branch b ON b.id = v.branch_id
                WHERE b.session_id = ? AND b.name = event.branch AND v.number = event.version AND v.pruned = 1)
            """, [session.id])
        let kept = try db.fetchOne(Int.self, "SELECT count(*) FROM version WHERE pruned = 0 AND branch_id IN (SELECT id FROM branch WHERE session_id = ?)", [session.id]) ?? 0
        return CompactionReport(removedVersions: removedVersions, removedEntityVersions: removedEntityVersions, keptVersions: kept)
    }

    /// Counts of what the store holds, and its size on disk.
    public func stats() throws(EngineError) -> StoreStats {
        let path = configuration.location == .memory ? nil : self.path
        return try read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            let pageSize = try count("PRAGMA page_size")
            let walBytes = path.flatMap { try? FileManager.default.attributesOfItem(atPath: $0 + "-wal")[.size] as? Int } ?? 0
            return StoreStats(
                sessions: try count("SELECT count(*) FROM session"),
                branches: try count("SELECT count(*) FROM branch"),
                versions: try count("SELECT count(*) FROM version WHERE pruned = 0"),
                prunedVersions: try count("SELECT count(*) FROM version WHERE pruned = 1"),
                entities: try count("SELECT count(*) FROM entity"),
                entityVersions: try count("SELECT count(*) FROM entity_version"),
                tags: try count("SELECT count(*) FROM tag"),
                turns: try count("SELECT count(*) FROM turn"),
                openTurns: try count("SELECT count(*) FROM turn WHERE status = 'staged'"),
                keyframes: try count("SELECT count(*) FROM entity_version WHERE delta IS NULL"),
                deltas: try count("SELECT count(*) FROM entity_version WHERE delta IS NOT NULL"),
                blobs: try count("SELECT count(*) FROM blob"),
                events: try count("SELECT count(*) FROM event"),
                bytes: .init(file: try count("PRAGMA page_count") * pageSize, free: try count("PRAGMA freelist_count") * pageSize,
                             wal: walBytes, tables: try Self.bytesByTable(db)))
        }
    }

    /// Bytes on disk of each table, its indexes included (SQLite's dbstat).
    private static func bytesByTable(_ db: Database) throws -> [String: Int] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT coalesce(m.tbl_name, s.name) AS name, sum(s.pgsize) AS bytes FROM dbstat s LEFT JOIN sqlite_schema m ON m.name = s.name
            WHERE s.name NOT LIKE 'sqlite_%' GROUP BY 1 ORDER BY 1
            """)
        return Dictionary(rows.map { ($0["name"] as String, $0["bytes"] as Int) }, uniquingKeysWith: +)
    }

    /// Rebuilds the file without its free pages and truncates the WAL; returns the file size
    /// before and after.
    public func vacuum() async throws(EngineError) -> (before: Int, after: Int) {
        do {
            return try await database.writeWithoutTransaction { db in
                func fileBytes() throws -> Int {
                    (try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0) * (try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0)
                }
                let before = try fileBytes()
                try db.execute(sql: "VACUUM")
                if case .file = self.configuration.location {
                    try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                }
                return (before, try fileBytes())
            }
        } catch {
            throw EngineError(error)
        }
    }
}
