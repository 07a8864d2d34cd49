import GRDB
import RevstoreJSON

extension Store {
    /// Versions through the branch's ancestry, newest first; `before` pages.
    public func versions(session: String, branch: String?, limit: Int, before: Int?) throws(EngineError) -> [VersionInfo] {
        try read { db in
            let resolved = try db.resolve(ReadPosition(session: session, branch: branch))
            var infos: [VersionInfo] = []
            for segment in resolved.segments where infos.count < limit {
                let rows = try db.fetchAll(Row.self, """
                    SELECT * FROM version WHERE branch_id = ? AND number <= ? AND number > ? AND number < ?
                    ORDER BY number DESC LIMIT ?
                    """, [segment.branchID, segment.upTo, segment.above, before ?? Int.max, limit - infos.count])
                infos += rows.map { Self.versionInfo($0, session: resolved.session, branchNames: resolved.branchNames) }
            }
            return infos
        }
    }

    /// One version of a branch, with what it changed.
    public func version(session: String, branch: String?, number: Int) throws(EngineError) -> (info: VersionInfo, changes: [Change]) {
        try read { db in
            let resolved = try db.resolve(ReadPosition(session: session, branch: branch, at: .version(number)))
            let segment = resolved.segments[0]
            guard let row = try db.fetchOne(Row.self, "SELECT * FROM version WHERE branch_id = ? AND number = ?", [segment.branchID, number]) else {
                throw EngineError.notFound("version", ["session": .string(session), "version": .integer(number)], "\(number)")
            }
            let changes = try Self.changes(in: db, branchID: segment.branchID, version: number)
            return (Self.versionInfo(row, session: resolved.session, branchNames: resolved.branchNames), changes)
        }
    }

    /// How the state at `to` differs from the state at `from`, entity by entity.
    public func diff(from: ReadPosition, to: ReadPosition, type: String?) throws(EngineError) -> [EntityDifference] {
        try read { db in
            if let type { try Names.checkType(type, path: "type") }
            let source = try db.resolve(from)
            let target = try db.resolve(to)
            let keys = try db.entitiesWritten(between: source.segments, and: target.segments, type: type)
            let before = try Self.state(in: db, at: source, keys: keys)
            let after = try Self.state(in: db, at: target, keys: keys)
            var differences: [EntityDifference] = []
            for key in Set(before.keys).union(after.keys).sorted() {
                let old = before[key].flatMap { $0.deleted ? nil : $0 }
                let new = after[key].flatMap { $0.deleted ? nil : $0 }
                let kind: EntityDifference.Kind
                switch (old, new) {
                case (nil, nil): continue
                case (nil, _?): kind = .added
                case (_?, nil): kind = .removed
                case (let o?, let n?):
                    if o.data == n.data { continue }
                    kind = .modified
                }
                let beforeEntity = old?.entity(branchNames: source.branchNames)
                let afterEntity = new?.entity(branchNames: target.branchNames)
                let patch = (beforeEntity?.data ?? .object([:])).jsonPatch(to: afterEntity?.data ?? .object([:]))
                differences.append(EntityDifference(type: key.type, id: key.id, change: kind, before: beforeEntity, after: afterEntity, patch: patch))
            }
            return differences
        }
    }

    /// A new version whose state equals the state at `to` on the same branch.
    public func submitRollback(session: String, branch: String?, to: ReadPosition.At, message: String?, actor: String?, expectedVersion: Int?) -> WriteTicket<CommitResult> {
        submitWrite { db in
            let target = try db.resolve(ReadPosition(session: session, branch: branch, at: to))
            try Self.checkExpected(expectedVersion, target.branch)
            let head = try db.resolve(ReadPosition(session: session, branch: target.branch.name))
            let keys = try db.entitiesWritten(between: target.segments, and: head.segments, type: nil)
            let wanted = try Self.state(in: db, at: target, keys: keys)
            let current = try Self.state(in: db, at: head, keys: keys)
            var operations: [CommitOperation] = []
            for key in Set(wanted.keys).union(current.keys).sorted() {
                operations += Self.operations(toMake: key, look: wanted[key], from: current[key])
            }
            var builder = try CommitBuilder(db: db, session: target.session, branch: target.branch, actor: actor)
            try builder.apply(operations)
            return try builder.finish(message: message ?? "rollback to \(target.version)", metadata: nil, allowEmpty: false)
        }
    }

    /// A new version undoing what `number` changed; `CONFLICT` when a later version changed the
    /// same entities, unless `force`.
    public func submitRevert(session: String, branch: String?, number: Int, message: String?, actor: String?, force: Bool) -> WriteTicket<CommitResult> {
        submitWrite { db in
            let reverted = try db.resolve(ReadPosition(session: session, branch: branch, at: .version(number)))
            let head = try db.resolve(ReadPosition(session: session, branch: reverted.branch.name))
            let previous = try db.segments(of: reverted.branch, at: number - 1)
            var operations: [CommitOperation] = []
            var conflicts: [JSONValue] = []
            let changed = try db.fetchAll(EntityVersionRow.self, """
                SELECT \(EntityVersionRow.columns) FROM entity_version v JOIN entity e ON e.key = v.entity_key
                WHERE v.branch_id = ? AND v.valid_from = ? ORDER BY e.type, e.entity_id
                """, [reverted.segments[0].branchID, number])
            for row in changed {
                let current = try db.entityRow(entityKey: row.entityKey, segments: head.segments)
                if current?.versionID != row.versionID {
                    conflicts.append(["type": .string(row.type), "id": .string(row.entityID),
                                      "expected": .integer(row.number), "actual": .integer(current?.number ?? 0)])
                }
                let before = try db.entityRow(entityKey: row.entityKey, segments: previous)
                operations += Self.operations(toMake: EntityReference(type: row.type, id: row.entityID), look: before, from: current)
            }
            if let first = conflicts.first, !force {
                var details = first.objectValue ?? [:]
                details["conflicts"] = .array(conflicts)
                throw EngineError(.conflict, "Later versions changed \(conflicts.count) of the entities version \(number) changed; pass force to revert anyway.", details)
            }
            var builder = try CommitBuilder(db: db, session: head.session, branch: head.branch, actor: actor)
            try builder.apply(operations)
            return try builder.finish(message: message ?? "revert \(number)", metadata: nil, allowEmpty: false)
        }
    }

    // MARK: - Helpers

    /// The visible rows (tombstones included) of the entities `keys` at a position.
    static func state(in db: Database, at position: ResolvedPosition, keys: [Int64]) throws -> [EntityReference: EntityVersionRow] {
        var state: [EntityReference: EntityVersionRow] = [:]
        for key in keys {
            if let row = try db.entityRow(entityKey: key, segments: position.segments) {
                state[EntityReference(type: row.type, id: row.entityID)] = row
            }
        }
        return state
    }

    /// The operations that turn `current` into `look` (nil or a tombstone: absent).
    static func operations(toMake key: EntityReference, look: EntityVersionRow?, from current: EntityVersionRow?) -> [CommitOperation] {
        let wantedLive = look.flatMap { $0.deleted ? nil : $0 }
        switch (wantedLive, current) {
        case (nil, let current?) where !current.deleted:
            return [.delete(type: key.type, id: key.id, ifVersion: nil)]
        case (nil, _):
            return []
        case (let wanted?, let current?) where current.deleted:
            return [.restore(type: key.type, id: key.id, data: wanted.parsedData)]
        case (let wanted?, let current?) where current.data == wanted.data:
            return []
        case (let wanted?, _):
            return [.put(type: key.type, id: key.id, data: wanted.parsedData, ifVersion: nil)]
        }
    }

    static func changes(in db: Database, branchID: Int64, version: Int) throws -> [Change] {
        try db.fetchAll(EntityVersionRow.self, """
            SELECT \(EntityVersionRow.columns) FROM entity_version v JOIN entity e ON e.key = v.entity_key
            WHERE v.branch_id = ? AND v.valid_from = ? ORDER BY v.id
            """, [branchID, version]).map {
            Change(type: $0.type, id: $0.entityID, change: Change.Kind(rawValue: $0.change) ?? .updated, version: $0.number, versionId: $0.versionID)
        }
    }

    static func versionInfo(_ row: Row, session: SessionRow, branchNames: [Int64: String]) -> VersionInfo {
        let metadata: String = row["metadata"]
        return VersionInfo(
            session: session.name, branch: branchNames[row["branch_id"]] ?? "", version: row["number"], createdAt: row["created_at"],
            actor: row["actor"], message: row["message"], metadata: (try? JSONParser.parse(metadata)) ?? .object([:]),
            turn: row["turn"], changeCount: row["change_count"],
            review: .init(status: row["review_status"], submittedAt: row["submitted_at"], submittedBy: row["submitted_by"],
                          reviewedAt: row["reviewed_at"], reviewedBy: row["reviewed_by"], notes: row["review_notes"])
        )
    }
}
