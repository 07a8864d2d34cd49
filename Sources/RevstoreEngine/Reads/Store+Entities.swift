import GRDB
import RevstoreJSON

extension Store {
    /// The entity at a position; nil when absent (or deleted, unless `includeDeleted`).
    public func entity(at position: ReadPosition, type: String, id: String, includeDeleted: Bool = false) async throws(EngineError) -> (version: Int, entity: Entity?) {
        try Names.checkType(type, path: "type")
        try Names.checkEntityID(id, path: "id")
        return try await read(at: position) { db, resolved in
            let row = try db.entityKey(session: resolved.session, type: type, id: id).flatMap { try db.entityRow(entityKey: $0, segments: resolved.segments) }
            guard let row, includeDeleted || !row.deleted else { return (resolved.version, nil) }
            return (resolved.version, row.entity(branchNames: resolved.branchNames))
        }
    }

    /// Entities at a position that match `query`, in its order; `total` when `query.count`.
    public func query(at position: ReadPosition, _ query: EntityQuery) async throws(EngineError) -> (version: Int, entities: [Entity], total: Int?) {
        if let type = query.type { try Names.checkType(type, path: "type") }
        guard (1...EntityQuery.maximumLimit).contains(query.limit) else {
            throw EngineError.invalidArgument("limit must be 1-\(EntityQuery.maximumLimit)", path: "limit")
        }
        guard query.offset >= 0 else { throw EngineError.invalidArgument("offset must not be negative", path: "offset") }
        return try await read(at: position) { db, resolved in

            let visible = Database.visibleRowExpression(resolved.segments)
            var filterArguments = StatementArguments([resolved.session.id])
            var filters = ["e.session_id = ?"]
            if let type = query.type {
                filters.append("e.type = ?")
                filterArguments += [type]
            }
            if !query.includeDeleted { filters.append("v.deleted = 0") }
            var compiler = QueryCompiler()
            if let filter = query.filter { filters.append(try compiler.condition(filter, path: "where")) }
            let whereArguments = compiler.arguments
            var orderCompiler = QueryCompiler()
            let ordering = try orderCompiler.ordering(query.orderBy, path: "orderBy")

            let from = "FROM entity e JOIN entity_version v ON v.id = \(visible.sql) WHERE \(filters.joined(separator: " AND "))"
            // Query SQL varies with each request, so it is not kept in the statement cache.
            let rows = try EntityVersionRow.fetchAll(db, sql: "SELECT \(EntityVersionRow.columns) \(from) ORDER BY \(ordering) LIMIT ? OFFSET ?",
                                                     arguments: visible.arguments + filterArguments + whereArguments + orderCompiler.arguments + [query.limit, query.offset])
            var total: Int?
            if query.count {
                total = try Int.fetchOne(db, sql: "SELECT count(*) \(from)", arguments: visible.arguments + filterArguments + whereArguments)
            }
            return (resolved.version, rows.map { $0.entity(branchNames: resolved.branchNames) }, total)
        }
    }

    /// The entity's versions through the branch's ancestry, newest first; `before` is an
    /// entity version number to page from.
    public func history(at position: ReadPosition, type: String, id: String, limit: Int, before: Int?) async throws(EngineError) -> [Entity] {
        try Names.checkType(type, path: "type")
        try Names.checkEntityID(id, path: "id")
        return try await read(at: position) { db, resolved in
            guard let key = try db.entityKey(session: resolved.session, type: type, id: id) else {
                throw EngineError.notFound("entity", ["type": .string(type), "id": .string(id)], "\(type) \"\(id)\"")
            }
            var versions: [Entity] = []
            for segment in resolved.segments where versions.count < limit {
                let rows = try db.fetchAll(EntityVersionRow.self, """
                    SELECT \(EntityVersionRow.columns) FROM entity_version v JOIN entity e ON e.key = v.entity_key
                    WHERE v.entity_key = ? AND v.branch_id = ? AND v.valid_from <= ? AND v.number < ?
                    ORDER BY v.valid_from DESC LIMIT ?
                    """, [key, segment.branchID, segment.upTo, before ?? Int.max, limit - versions.count])
                versions += rows.map { $0.entity(branchNames: resolved.branchNames) }
            }
            if versions.isEmpty, before == nil {
                throw EngineError.notFound("entity", ["type": .string(type), "id": .string(id)], "\(type) \"\(id)\" on this branch")
            }
            return versions
        }
    }

    /// One exact entity version, wherever it was written in the session.
    public func entityVersion(session: String, versionId: String) async throws(EngineError) -> Entity {
        try await read { db in
            let sessionRow = try db.sessionRow(session)
            guard let row = try db.fetchOne(EntityVersionRow.self, """
                SELECT \(EntityVersionRow.columns) FROM entity_version v JOIN entity e ON e.key = v.entity_key
                WHERE v.version_id = ? AND e.session_id = ?
                """, [versionId, sessionRow.id])
            else {
                throw EngineError.notFound("versionId", ["versionId": .string(versionId)], "entity version \"\(versionId)\" in session \"\(session)\"")
            }
            return row.entity(branchNames: try db.branchNames(session: sessionRow))
        }
    }
}
