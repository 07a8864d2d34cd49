import GRDB
import RevstoreJSON

extension Store {
    /// The entity at a position; nil when absent (or deleted, unless `includeDeleted`).
    public func entity(at position: ReadPosition, type: String, id: String, includeDeleted: Bool = false, expand: [String] = []) throws(EngineError) -> (version: Int, entity: Entity?) {
        try Names.checkType(type, path: "type")
        try Names.checkEntityID(id, path: "id")
        func visible(_ db: Database, _ resolved: ResolvedPosition) throws -> Entity? {
            let row = try db.entityRow(session: resolved.session, type: type, id: id, segments: resolved.segments)
            guard let row, includeDeleted || !row.deleted else { return nil }
            return row.entity(branchNames: resolved.branchNames)
        }
        // The common read, the head or a version of a branch without ancestors and nothing
        // to expand, is one statement at a remembered position.
        if expand.isEmpty, let found = try readRemembered(at: position, { db, resolved in
            resolved.segments.count == 1 ? (resolved.version, try visible(db, resolved)) : nil
        }) {
            return found
        }
        return try read(at: position) { db, resolved in
            let entity = try visible(db, resolved).map { try Self.expand([$0], fields: expand, type: type, at: resolved, in: db) }
            return (resolved.version, entity?.first)
        }
    }

    /// Entities at a position that match `query`, in its order; `total` when `query.count`.
    public func query(at position: ReadPosition, _ query: EntityQuery) throws(EngineError) -> (version: Int, entities: [Entity], total: Int?) {
        try self.query(at: position, query) { found in (found.version, Array(found.entities), found.total) }
    }

    /// Runs `body` on what `query` finds, with the entities read from SQLite as `body`
    /// iterates them: a large result can be written out before its last row is read, and is
    /// never held whole. `expand` needs every entity first, so it reads them all before `body`.
    public func query<Value>(at position: ReadPosition, _ query: EntityQuery, _ body: (QueryResult) throws -> Value) throws(EngineError) -> Value {
        if let type = query.type { try Names.checkType(type, path: "type") }
        guard (1...EntityQuery.maximumLimit).contains(query.limit) else {
            throw EngineError.invalidArgument("limit must be 1-\(EntityQuery.maximumLimit)", path: "limit")
        }
        guard query.offset >= 0 else { throw EngineError.invalidArgument("offset must not be negative", path: "offset") }
        if query.allBranches {
            // One answer for every branch: no position on one of them applies, nor does expand's "as of the same version".
            for (name, given) in [("branch", position.branch != nil), ("at", position.at != nil), ("turn", position.turn != nil), ("expand", !query.expand.isEmpty)] where given {
                throw EngineError.invalidArgument("allBranches reads every branch at its latest; it cannot take \(name)", path: name)
            }
        }
        return try read(at: position) { db, resolved in
            var resolved = resolved
            if query.allBranches { resolved.branchNames = try db.branchNames(session: resolved.session) }
            let plan = try Self.plan(query, at: resolved, in: db)
            let total = query.count ? try Int.fetchOne(db, sql: "SELECT count(*) \(plan.from)", arguments: plan.arguments) : nil
            // Query SQL varies with each request, so it is not kept in the statement cache.
            let statement = try db.makeStatement(sql: "SELECT \(EntityVersionRow.columns) \(plan.from) ORDER BY \(plan.ordering) LIMIT ? OFFSET ?")
            statement.setUncheckedArguments(plan.arguments + plan.orderArguments + [query.limit, query.offset])
            var entities = EntityRows(statement, in: db, branchNames: resolved.branchNames)
            if !query.expand.isEmpty {
                let read = Array(entities)
                try entities.finish()
                entities = EntityRows(try Self.expand(read, fields: query.expand, type: query.type, at: resolved, in: db))
            }
            let value = try body(QueryResult(version: resolved.version, total: total, entities: entities))
            try entities.finish()
            return value
        }
    }

    /// How SQLite will run a query: the plan's steps, for checking that an index serves it.
    public func queryPlan(at position: ReadPosition, _ query: EntityQuery) throws(EngineError) -> [String] {
        try read(at: position) { db, resolved in
            let plan = try Self.plan(query, at: resolved, in: db)
            return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT v.id \(plan.from) ORDER BY \(plan.ordering) LIMIT ? OFFSET ?",
                                    arguments: plan.arguments + plan.orderArguments + [query.limit, query.offset]).map { $0["detail"] as String }
        }
    }

    /// The FROM and WHERE of a query, its ORDER BY, and their arguments. When the query names a
    /// type and filters or sorts on an indexed field, it starts from the rows (so SQLite can use
    /// the field's index) and keeps those visible at the position; otherwise it starts from the
    /// entities and seeks each one's visible row.
    private static func plan(_ query: EntityQuery, at resolved: ResolvedPosition, in db: Database) throws
        -> (from: String, arguments: StatementArguments, ordering: String, orderArguments: StatementArguments)
    {
        let definition = try query.type.flatMap { try db.typeDefinition($0) }
        let indexed = Set(definition?.indexedFields.map { CodePointString($0) } ?? [])
        let strict = definition.flatMap { $0.strict ? Set($0.fields.keys.map { CodePointString($0) }) : nil }
        var compiler = QueryCompiler(indexedFields: indexed, strictFields: strict)
        let condition = try query.filter.map { try compiler.condition($0, path: "where") }
        var orderCompiler = QueryCompiler(indexedFields: indexed, strictFields: strict)
        let ordering = try orderCompiler.ordering(query.orderBy, path: "orderBy")
        let deleted = query.includeDeleted ? "" : " AND v.deleted = 0"
        let filter = condition.map { " AND \($0)" } ?? ""

        if let type = query.type, !query.allBranches, compiler.usesIndexedField || orderCompiler.usesIndexedField {
            // The type is a checked identifier; as a literal it matches the partial indexes' WHERE.
            let visible = Database.visibilityCondition(resolved.segments)
            // CROSS JOIN keeps the rows as the outer loop, so the field's index can both select
            // and order them.
            let from = "FROM entity_version v CROSS JOIN entity e ON e.key = v.entity_key WHERE v.type = '\(type)' AND \(visible.sql) AND e.session_id = ?\(deleted)\(filter)"
            return (from, visible.arguments + [resolved.session.id] + compiler.arguments, ordering, orderCompiler.arguments)
        }
        // Row ids grow with every write, so an entity's greatest is the version last written of it.
        let visible = query.allBranches
            ? (sql: "(SELECT max(x.id) FROM entity_version x WHERE x.entity_key = e.key)", arguments: StatementArguments())
            : Database.visibleRowExpression(resolved.segments)
        var arguments = visible.arguments + [resolved.session.id]
        var typeFilter = ""
        if let type = query.type {
            typeFilter = " AND e.type = ?"
            arguments += [type]
        }
        let from = "FROM entity e JOIN entity_version v ON v.id = \(visible.sql) WHERE e.session_id = ?\(typeFilter)\(deleted)\(filter)"
        return (from, arguments + compiler.arguments, ordering, orderCompiler.arguments)
    }

    /// Replaces the ids in each `fields` ref field with the referenced entities as of the same
    /// position (null for one that is absent), with one query per referenced type.
    static func expand(_ entities: [Entity], fields: [String], type: String?, at resolved: ResolvedPosition, in db: Database) throws -> [Entity] {
        guard !fields.isEmpty else { return entities }
        let declared = try db.declaredTypes().byName
        var definitions: [String: TypeDefinition] = [:]
        for name in Set(entities.map(\.type)).union(type.map { [$0] } ?? []) {
            definitions[name] = declared[name]
        }
        for (index, field) in fields.enumerated() {
            let applies = definitions.values.contains { $0.fields[field]?.reference != nil }
            if !applies, type != nil || !entities.isEmpty {
                throw EngineError.invalidArgument("\(field) is not a ref field of \(type ?? "these entities")", path: "expand.\(index)")
            }
        }
        // Collect every referenced id, per referenced type.
        var wanted: [String: Set<CodePointString>] = [:]
        for entity in entities {
            for field in fields {
                guard let reference = definitions[entity.type]?.fields[field]?.reference, let value = entity.data[field] else { continue }
                let ids = reference.many ? (value.arrayValue ?? []).compactMap(\.stringValue) : value.stringValue.map { [$0] } ?? []
                wanted[reference.type, default: []].formUnion(ids.map { CodePointString($0) })
            }
        }
        var found: [EntityReference: Entity] = [:]
        let visible = Database.visibleRowExpression(resolved.segments)
        for (targetType, ids) in wanted where !ids.isEmpty {
            let list = ids.map(\.string)
            let placeholders = Array(repeating: "?", count: list.count).joined(separator: ", ")
            let rows = try db.fetchAll(EntityVersionRow.self, """
                SELECT \(EntityVersionRow.columns) FROM entity e JOIN entity_version v ON v.id = \(visible.sql)
                WHERE e.session_id = ? AND e.type = ? AND v.deleted = 0 AND e.entity_id IN (\(placeholders))
                """, visible.arguments + [resolved.session.id, targetType] + StatementArguments(list), cached: false)
            for row in rows { found[EntityReference(type: targetType, id: row.entityID)] = row.entity(branchNames: resolved.branchNames) }
        }
        return entities.map { entity in
            guard case .object(var data) = entity.data else { return entity }
            for field in fields {
                guard let reference = definitions[entity.type]?.fields[field]?.reference, let value = data[field] else { continue }
                let lookup = { (id: JSONValue) -> JSONValue in id.stringValue.flatMap { found[EntityReference(type: reference.type, id: $0)]?.json } ?? .null }
                data[field] = reference.many ? .array((value.arrayValue ?? []).map(lookup)) : lookup(value)
            }
            var expanded = entity
            expanded.data = .object(data)
            return expanded
        }
    }

    /// Every version of every entity in a lineage, on every branch, oldest first: each names its
    /// parent, so a client can draw the tree. The lineage is given by id, or by an entity.
    public func lineage(session: String, lineageId: String?, type: String?, id: String?, at position: ReadPosition) throws(EngineError) -> (lineageId: String, versions: [Entity]) {
        try read(at: position) { db, resolved in
            var lineage = lineageId
            if lineage == nil {
                guard let type, let id else { throw EngineError.invalidArgument("give lineageId, or type and id", path: "lineageId") }
                guard let row = try db.entityRow(session: resolved.session, type: type, id: id, segments: resolved.segments) else {
                    throw EngineError.notFound("entity", ["type": .string(type), "id": .string(id)], "\(type) \"\(id)\"")
                }
                lineage = row.lineageID
            }
            let rows = try db.fetchAll(EntityVersionRow.self, """
                SELECT \(EntityVersionRow.columns) FROM entity e JOIN entity_version v ON v.entity_key = e.key AND v.lineage_id = ?1
                WHERE e.session_id = ?2
                    AND (e.lineage_id = ?1 OR EXISTS (SELECT 1 FROM lineage l WHERE l.entity_key = e.key AND l.lineage_id = ?1))
                ORDER BY v.id
                """, [lineage!, resolved.session.id])
            if rows.isEmpty {
                throw EngineError.notFound("lineage", ["lineageId": .string(lineage!)], "\"\(lineage!)\" in session \"\(session)\"")
            }
            // A lineage spans every branch, not only this position's ancestry.
            let names = try db.branchNames(session: resolved.session)
            return (lineage!, rows.map { $0.entity(branchNames: names) })
        }
    }

    /// The entity's versions through the branch's ancestry, newest first; `before` is an
    /// entity version number to page from.
    public func history(at position: ReadPosition, type: String, id: String, limit: Int, before: Int?) throws(EngineError) -> [Entity] {
        try Names.checkType(type, path: "type")
        try Names.checkEntityID(id, path: "id")
        return try read(at: position) { db, resolved in
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
    public func entityVersion(session: String, versionId: String) throws(EngineError) -> Entity {
        try read { db in
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
