import Foundation
import GRDB
import RevstoreJSON

/// Applies a commit's operations inside a write transaction.
///
/// Operations run in order against a working state, so a later op sees an earlier one's
/// effect; at the end each touched entity whose final state differs from its state at the
/// head gets exactly one new row, and the branch gets one new version.
struct CommitBuilder {
    /// One entity as the commit sees it.
    private struct Working {
        var type: String
        var id: String
        var key: Int64?
        /// The visible row at the head before this commit, and its data.
        var before: EntityVersionRow?
        var beforeData: JSONValue?
        var data: JSONValue?
        var deleted: Bool
        /// Set by `fork`: the new entity's parent version and lineage.
        var forkedFrom: (versionID: String, lineageID: String)?
        /// The RFC 6902 operations that take `beforeData` to `data`, while all this commit did to
        /// the entity was JSON Patch: its stored delta, with no diff to work out (nil otherwise).
        var patchFromBefore: [JSONValue]?

        var exists: Bool { data != nil }
        /// The entity version a client's `ifVersion` compares with (0 when absent).
        var currentNumber: Int { before?.number ?? 0 }
    }

    let db: Database
    let session: SessionRow
    let branch: BranchRow
    let segments: [Segment]
    let actor: String?
    let now = Timestamp.now()

    private var working: [EntityReference: Working] = [:]
    private var order: [EntityReference] = []
    private var touched: Set<EntityReference> = []
    /// The store's declared types, read at the first need.
    private var types: DeclaredTypes?
    /// The entity a one-entity write answers with: when `finish` writes it, `answer` is that
    /// entity as its new version reads.
    var answering: EntityReference?
    private(set) var answer: Entity?

    init(db: Database, session: SessionRow, branch: BranchRow, actor: String?) throws {
        self.db = db
        self.session = session
        self.branch = branch
        self.actor = actor
        self.segments = try db.segments(of: branch, at: branch.head)
    }

    var newVersion: Int { branch.head + 1 }

    // MARK: - Operations

    mutating func apply(_ operations: [CommitOperation]) throws {
        for (index, operation) in operations.enumerated() {
            do {
                try apply(operation, path: "ops.\(index)")
            } catch let error as EngineError {
                throw error.with("opIndex", .integer(index))
            }
        }
    }

    private mutating func apply(_ operation: CommitOperation, path: String) throws {
        switch operation {
        case .put(let type, let id, let data, let ifVersion):
            let id = id ?? Identifier.make()
            let reference = try load(type: type, id: id, path: path)
            var entity = working[reference]!
            try check(ifVersion, entity, path: path)
            if entity.exists && entity.deleted { throw deletedEntity(entity) }
            entity.data = try objectData(data, type: type, path: "\(path).data")
            entity.deleted = false
            entity.patchFromBefore = nil
            update(reference, entity)

        case .create(let type, let id, let data):
            let reference = try load(type: type, id: id, path: path)
            var entity = working[reference]!
            let value = try objectData(data, type: type, path: "\(path).data")
            guard !entity.exists else { return }
            entity.data = value
            entity.deleted = false
            entity.patchFromBefore = nil
            update(reference, entity)

        case .patch(let type, let id, let patch, let ifVersion):
            let reference = try load(type: type, id: id, path: path)
            var entity = working[reference]!
            try check(ifVersion, entity, path: path)
            guard let current = entity.data else { throw missing(entity) }
            if entity.deleted { throw deletedEntity(entity) }
            guard patch.objectValue != nil else {
                throw EngineError.invalidArgument("a patch must be a JSON object (RFC 7396 merge patch)", path: "\(path).patch")
            }
            entity.data = try objectData(current.merging(patch: patch), type: type, path: "\(path).patch")
            entity.patchFromBefore = nil
            update(reference, entity)

        case .jsonPatch(let type, let id, let operations, let ifVersion):
            let reference = try load(type: type, id: id, path: path)
            var entity = working[reference]!
            try check(ifVersion, entity, path: path)
            guard let current = entity.data else { throw missing(entity) }
            if entity.deleted { throw deletedEntity(entity) }
            var touchesBytes = false
            for (index, operation) in operations.enumerated() {
                if let found = operation["value"]?.firstUnstorable {
                    throw Self.unstorable(found.problem, at: "\(path).jsonPatch.\(index).value" + (found.path.isEmpty ? "" : ".\(found.path)"))
                }
                touchesBytes = touchesBytes || [operation["path"], operation["from"]].contains { $0?.stringValue?.contains(JSONValue.bytesKey) == true }
            }
            let patched: JSONValue
            let canonicalOperations = operations.map(\.canonicalized)
            do {
                // Canonical values applied to canonical data stay canonical: nothing else is walked.
                patched = try current.applying(jsonPatch: canonicalOperations)
            } catch {
                let at = "\(path).jsonPatch.\(error.index).\(error.member)"
                switch error.kind {
                case .testFailed:
                    throw EngineError(.conflict, "\(type) \"\(id)\": \(error.message).",
                                      ["type": .string(type), "id": .string(id), "path": .string(at),
                                       "expected": error.expected ?? .null, "actual": error.actual ?? .null])
                case .pathNotFound, .invalid:
                    throw EngineError.invalidArgument(error.message, path: at)
                }
            }
            // Only an operation inside a `$bytes` member can leave malformed bytes behind.
            entity.data = try objectData(patched, type: type, path: "\(path).jsonPatch", canonical: !touchesBytes)
            // The operations are the delta unless the data was changed after them: defaults filled
            // in by a declared type, or bytes written anew.
            if entity.patchFromBefore != nil, !touchesBytes, try definition(of: type) == nil {
                entity.patchFromBefore! += canonicalOperations.filter { $0["op"] != "test" }
            } else {
                entity.patchFromBefore = nil
            }
            update(reference, entity)

        case .delete(let type, let id, let ifVersion):
            let reference = try load(type: type, id: id, path: path)
            var entity = working[reference]!
            try check(ifVersion, entity, path: path)
            guard entity.exists else { throw missing(entity) }
            entity.deleted = true
            update(reference, entity)

        case .restore(let type, let id, let data):
            let reference = try load(type: type, id: id, path: path)
            var entity = working[reference]!
            guard entity.exists else { throw missing(entity) }
            guard entity.deleted else {
                throw EngineError.invalidState("\(type) \"\(id)\" is not deleted, so it cannot be restored")
            }
            if let data {
                entity.data = try objectData(data, type: type, path: "\(path).data")
                entity.patchFromBefore = nil
            }
            entity.deleted = false
            update(reference, entity)

        case .fork(let type, let id, let newID, let patch):
            let sourceReference = try load(type: type, id: id, path: path)
            let source = working[sourceReference]!
            guard let sourceData = source.data else { throw missing(source) }
            if source.deleted { throw deletedEntity(source) }
            guard let sourceRow = source.before, touched.contains(sourceReference) == false else {
                throw EngineError.invalidState("\(type) \"\(id)\" has uncommitted changes in this commit; fork it in a later commit")
            }
            if let patch, patch.objectValue == nil {
                throw EngineError.invalidArgument("a patch must be a JSON object (RFC 7396 merge patch)", path: "\(path).patch")
            }
            let targetID = newID ?? Identifier.make()
            let reference = try load(type: type, id: targetID, path: path, idPath: "\(path).newId")
            var entity = working[reference]!
            if entity.exists {
                throw EngineError(.alreadyExists, "\(type) \"\(targetID)\" already exists.",
                                  ["kind": "entity", "type": .string(type), "id": .string(targetID)])
            }
            entity.data = try objectData(patch.map { sourceData.merging(patch: $0) } ?? sourceData, type: type, path: "\(path).patch")
            entity.deleted = false
            entity.forkedFrom = (sourceRow.versionID, sourceRow.lineageID)
            update(reference, entity)
        }
    }

    private mutating func load(type: String, id: String, path: String, idPath: String? = nil) throws -> EntityReference {
        try Names.checkType(type, path: "\(path).type")
        try Names.checkEntityID(id, path: idPath ?? "\(path).id")
        let reference = EntityReference(type: type, id: id)
        if working[reference] == nil {
            let before = try db.entityRowForWriter(session: session, type: type, id: id, segments: segments)
            let key = try before?.entityKey ?? db.entityKey(session: session, type: type, id: id)
            // A small value comes with its row; the writer's cache usually has a larger one's,
            // with no parsing, however large it is.
            let data = try before.map { row in
                try row.data.isEmpty ? EntityData.cache.value(rowID: row.id, versionID: row.versionID, in: db) : JSONParser.parse(row.data)
            }
            working[reference] = Working(
                type: type, id: id, key: key, before: before, beforeData: data,
                data: data, deleted: before?.deleted ?? false, forkedFrom: nil, patchFromBefore: before == nil ? nil : []
            )
            order.append(reference)
        }
        return reference
    }

    private mutating func update(_ reference: EntityReference, _ entity: Working) {
        working[reference] = entity
        touched.insert(reference)
    }

    private func check(_ ifVersion: Int?, _ entity: Working, path: String) throws {
        guard let expected = ifVersion else { return }
        if expected == 0, entity.exists {
            throw EngineError(.alreadyExists, "\(entity.type) \"\(entity.id)\" already exists.",
                              ["kind": "entity", "type": .string(entity.type), "id": .string(entity.id), "actual": .integer(entity.currentNumber)])
        }
        guard expected == entity.currentNumber else {
            throw EngineError(.conflict, "\(entity.type) \"\(entity.id)\" is at version \(entity.currentNumber), not \(expected).",
                              ["expected": .integer(expected), "actual": .integer(entity.currentNumber),
                               "type": .string(entity.type), "id": .string(entity.id)])
        }
    }

    private mutating func declaredTypes() throws -> DeclaredTypes {
        if let types { return types }
        let declared = try db.declaredTypes()
        types = declared
        return declared
    }

    private mutating func definition(of type: String) throws -> TypeDefinition? {
        try declaredTypes().byName[type]
    }

    /// Object data, checked against its declared type (defaults filled) and made canonical;
    /// `canonical` data is known to be so already.
    private mutating func objectData(_ data: JSONValue, type: String, path: String, canonical: Bool = false) throws -> JSONValue {
        guard data.objectValue != nil else {
            throw EngineError.invalidArgument("entity data must be a JSON object, not \(data.typeName)", path: path)
        }
        if !canonical, let found = data.firstUnstorable {
            throw Self.unstorable(found.problem, at: found.path.isEmpty ? path : "\(path).\(found.path)")
        }
        var data = data
        if let definition = try definition(of: type) {
            let problems = definition.validate(&data)
            if !problems.isEmpty { throw Self.validationFailed(type, problems) }
            return data.canonicalized  // defaults may have been filled in
        }
        return canonical ? data : data.canonicalized
    }

    private static func unstorable(_ problem: JSONValue.Unstorable, at path: String) -> EngineError {
        switch problem {
        case .numberOutOfRange:
            EngineError.invalidArgument("a number beyond a double's range (about ±1.8e308) cannot be stored", path: path)
        case .malformedBytes:
            EngineError.invalidArgument("a bytes value holds its bytes as standard padded base64: {\"$bytes\": \"aGk=\"}", path: path)
        }
    }

    private static func validationFailed(_ type: String, _ problems: [ValidationProblem]) -> EngineError {
        EngineError(.validationFailed, "The data does not fit type \(type): \(problems.count) problem(s).",
                    ["errors": .array(problems.map(\.json)), "type": .string(type)])
    }

    private func missing(_ entity: Working) -> EngineError {
        .notFound("entity", ["type": .string(entity.type), "id": .string(entity.id)], "\(entity.type) \"\(entity.id)\"")
    }

    private func deletedEntity(_ entity: Working) -> EngineError {
        .invalidState("\(entity.type) \"\(entity.id)\" is deleted; restore it first")
    }

    // MARK: - Writing

    /// Writes the new version; when nothing changed (and not `allowEmpty`) writes nothing.
    mutating func finish(message: String?, metadata: JSONValue?, allowEmpty: Bool, turn: String? = nil) throws -> CommitResult {
        let version = newVersion
        let rows = try plan()
        guard !rows.isEmpty || allowEmpty else {
            return CommitResult(session: session.name, branch: branch.name, version: branch.head, created: false, changes: [])
        }
        var changes: [Change] = []
        for (entity, kind) in rows {
            changes.append(try write(entity, change: kind, version: version))
        }
        try db.run(Self.insertVersion, [branch.id, version, now, actor, message, (metadata ?? .object([:])).canonicalText, turn, changes.count])
        try db.appendEvent(.committed, session: session.name, branch: branch.name, version: version, actor: actor, message: message,
                           changes: changes, detail: turn.map { ["turn": .string($0)] })
        return CommitResult(session: session.name, branch: branch.name, version: version, created: true, changes: changes)
    }

    /// What `finish` would write, written nowhere: the next version's rows, for reads through a
    /// turn. Empty when nothing would change.
    mutating func overlay() throws -> Overlay {
        Overlay(sessionID: session.id, version: newVersion, rows: try plan().map { entity, kind in
            let row = newRow(entity, change: kind, version: newVersion)
            return Overlay.Row(
                key: entity.key, type: entity.type, id: entity.id, branchID: branch.id, version: newVersion, number: row.number,
                change: kind, versionID: Identifier.make(), parentVersionID: row.parentVersionID, lineageID: row.lineageID,
                data: entity.data!.canonicalText, deleted: entity.deleted, createdAt: row.createdAt, createdAtVersion: row.createdAtVersion,
                createdBy: row.createdBy, updatedAt: now, updatedBy: actor, deletedAt: row.deletedAt, deletedBy: row.deletedBy,
                supersedes: entity.before.flatMap { $0.branchID == branch.id ? $0.id : nil })
        })
    }

    /// The entities this commit changes, and how, once references, unique fields and
    /// propagation are settled.
    private mutating func plan() throws -> [(Working, Change.Kind)] {
        var rows: [(Working, Change.Kind)] = []
        for reference in order where touched.contains(reference) {
            let entity = working[reference]!
            guard let data = entity.data else { continue }
            let kind: Change.Kind
            if let before = entity.before {
                // Both sides are canonical, so equal values are equal texts: no change.
                if before.deleted == entity.deleted, entity.beforeData == data { continue }
                kind = entity.deleted ? .deleted : (before.deleted ? .restored : .updated)
            } else {
                // Created and deleted within this commit: it never existed at any version.
                if entity.deleted { continue }
                kind = .created
            }
            rows.append((entity, kind))
        }
        guard !rows.isEmpty else { return [] }
        try checkReferencesAndUniqueness(rows.map(\.0))
        rows += try propagation(from: rows.map { EntityReference(type: $0.0.type, id: $0.0.id) })
        return rows
    }

    // MARK: - Declared types: references, unique fields, propagation

    /// Every live entity written must refer only to live entities (VALIDATION_FAILED), and hold
    /// unique values (UNIQUE_VIOLATION, naming the entity that holds the value).
    private mutating func checkReferencesAndUniqueness(_ written: [Working]) throws {
        for entity in written where !entity.deleted {
            guard let definition = try definition(of: entity.type), let data = entity.data else { continue }
            var problems: [ValidationProblem] = []
            var violation: EngineError?
            for field in definition.fields.keys.sorted() {
                let spec = definition.fields[field]!
                if let reference = spec.reference, let value = data[field] {
                    let ids = reference.many ? (value.arrayValue ?? []).compactMap(\.stringValue) : value.stringValue.map { [$0] } ?? []
                    for id in ids where try !isLive(type: reference.type, id: id) {
                        problems.append(ValidationProblem(path: "$.\(field)", message: "refers to \(reference.type) \"\(id)\", which does not exist"))
                    }
                }
                if violation == nil, spec.index == .unique, let value = data[field], !value.isNull,
                   let holder = try holder(type: entity.type, field: field, value: value, other: entity.id) {
                    violation = EngineError(.uniqueViolation, "\(entity.type) \"\(entity.id)\": \(field) \(value) is unique, and \(entity.type) \"\(holder)\" holds it.",
                                            ["type": .string(entity.type), "id": .string(entity.id), "field": .string(field), "value": value, "heldBy": .string(holder)])
                }
            }
            if !problems.isEmpty {
                throw Self.validationFailed(entity.type, problems).with("id", .string(entity.id))
            }
            if let violation { throw violation }
        }
    }

    /// Whether an entity is live in the state this commit makes.
    private func isLive(type: String, id: String) throws -> Bool {
        if let entity = working[EntityReference(type: type, id: id)] { return entity.exists && !entity.deleted }
        return try db.entityRowForWriter(session: session, type: type, id: id, segments: segments).map { !$0.deleted } ?? false
    }

    /// Another live entity of `type` (the first by id) that holds `value` in `field` in the
    /// state this commit makes.
    private func holder(type: String, field: String, value: JSONValue, other id: String) throws -> String? {
        var holders: [String] = []
        for (reference, other) in working where reference.type == type && CodePointString(reference.id) != CodePointString(id) && other.exists && !other.deleted {
            if other.data?[field] == value { holders.append(reference.id) }
        }
        let visible = Database.visibleRowExpression(segments)
        let candidates = try String.fetchAll(db, sql: """
            SELECT e.entity_id FROM entity e JOIN entity_version v ON v.id = \(visible.sql)
            WHERE e.session_id = ? AND e.type = ? AND v.deleted = 0 AND \(Store.fieldExpression(field, table: "v")) = ? AND e.entity_id <> ?
            """, arguments: visible.arguments + [session.id, type, value.databaseValue, id])
        // Entities this commit changes are judged by their new data, above.
        holders += candidates.filter { working[EntityReference(type: type, id: $0)] == nil }
        return holders.min { CodePointString($0) < CodePointString($1) }
    }

    /// Entities that refer, through a `propagate` ref field, to an entity this commit changes get
    /// a new version too (data unchanged), and so on upwards.
    private mutating func propagation(from changed: [EntityReference]) throws -> [(Working, Change.Kind)] {
        var rows: [(Working, Change.Kind)] = []
        var done = Set(changed)
        var pending = changed
        let definitions = try declaredTypes().propagating
        guard !definitions.isEmpty else { return [] }
        while !pending.isEmpty {
            let byType = Dictionary(grouping: pending, by: \.type).mapValues { $0.map(\.id) }
            pending = []
            for definition in definitions {
                for field in definition.fields.keys.sorted() {
                    let spec = definition.fields[field]!
                    guard spec.propagate, let target = spec.reference, let ids = byType[target.type] else { continue }
                    for id in try referrers(type: definition.name, field: field, many: target.many, ids: ids) {
                        let reference = try load(type: definition.name, id: id, path: "propagate")
                        guard !done.contains(reference), let entity = working[reference], entity.exists, !entity.deleted else { continue }
                        done.insert(reference)
                        pending.append(reference)
                        rows.append((entity, .updated))
                    }
                }
            }
        }
        return rows
    }

    /// Live entities of `type` at the head whose `field` holds one of `ids`.
    private func referrers(type: String, field: String, many: Bool, ids: [String]) throws -> [String] {
        let visible = Database.visibleRowExpression(segments)
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        let match = many
            ? "EXISTS (SELECT 1 FROM json_each(\(EntityData.expression("v")), '$.\"\(field)\"') AS item WHERE item.value IN (\(placeholders)))"
            : "\(Store.fieldExpression(field, table: "v")) IN (\(placeholders))"
        return try String.fetchAll(db, sql: """
            SELECT e.entity_id FROM entity e JOIN entity_version v ON v.id = \(visible.sql)
            WHERE e.session_id = ? AND e.type = ? AND v.deleted = 0 AND \(match) ORDER BY e.entity_id
            """, arguments: visible.arguments + [session.id, type] + StatementArguments(ids))
    }

    /// The columns of an entity's next version that follow from its previous one.
    private func newRow(_ entity: Working, change: Change.Kind, version: Int) -> (number: Int, parentVersionID: String?, lineageID: String,
        createdAt: String, createdAtVersion: Int, createdBy: String?, deletedAt: String?, deletedBy: String?) {
        let before = entity.before
        return (
            number: (before?.number ?? 0) + 1,
            parentVersionID: entity.forkedFrom?.versionID ?? before?.versionID,
            lineageID: entity.forkedFrom?.lineageID ?? before?.lineageID ?? Identifier.make(),
            createdAt: before?.createdAt ?? now,
            createdAtVersion: before?.createdAtVersion ?? version,
            createdBy: before == nil ? actor : before?.createdBy,
            deletedAt: entity.deleted ? (before?.deleted == true ? before?.deletedAt : now) : nil,
            deletedBy: entity.deleted ? (before?.deleted == true ? before?.deletedBy : actor) : nil
        )
    }

    private mutating func write(_ entity: Working, change: Change.Kind, version: Int) throws -> Change {
        let row = newRow(entity, change: change, version: version)
        let key: Int64
        if let existing = entity.key {
            key = existing
        } else {
            try db.run(Self.insertEntity, [session.id, entity.type, entity.id, row.lineageID])
            key = db.lastInsertedRowID
        }
        let before = entity.before
        if let before, before.branchID == branch.id {
            try db.run(Self.closeRow, [version, before.id])
        }
        let data = entity.data!
        let stored = try storedForm(of: data, entity)
        let versionID = Identifier.make()
        try db.run(Self.insertRow, [
                key, entity.type, branch.id, version, row.number, change.rawValue, versionID, row.parentVersionID, row.lineageID,
                stored.data, entity.deleted, row.createdAt, row.createdAtVersion, row.createdBy, now, actor, row.deletedAt, row.deletedBy,
                stored.delta, stored.delta == nil ? nil : before?.id, stored.chainBytes, stored.keyframeBytes, stored.blobs.count,
            ])
        let rowID = db.lastInsertedRowID
        try Blobs.hold(stored.blobs, in: db)
        if entity.key != nil, row.lineageID != before?.lineageID {
            try db.noteLineage(entityKey: key, lineageID: row.lineageID)
        }
        EntityData.cache.remember(rowID: rowID, versionID: versionID, value: data, cost: stored.keyframeBytes + stored.chainBytes)
        if answering == EntityReference(type: entity.type, id: entity.id) {
            answer = Entity(
                type: entity.type, id: entity.id, version: row.number, document: .value(data), deleted: entity.deleted,
                createdAt: row.createdAt, updatedAt: now, createdAtVersion: row.createdAtVersion, updatedAtVersion: version,
                createdBy: row.createdBy, updatedBy: actor, deletedAt: row.deletedAt, deletedBy: row.deletedBy,
                versionId: versionID, parentVersionId: row.parentVersionID, lineageId: row.lineageID, branch: branch.name)
        }
        return Change(type: entity.type, id: entity.id, change: change, version: row.number, versionId: versionID)
    }

    private static let insertVersion = HotSQL("""
        INSERT INTO version(branch_id, number, created_at, actor, message, metadata, turn, change_count)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """)
    private static let insertEntity = HotSQL("INSERT INTO entity(session_id, type, entity_id, lineage_id) VALUES (?, ?, ?, ?)")
    private static let closeRow = HotSQL("UPDATE entity_version SET valid_to = ? WHERE id = ?")
    private static let insertRow = HotSQL("""
        INSERT INTO entity_version(entity_key, type, branch_id, valid_from, number, change, version_id, parent_version_id,
            lineage_id, data, deleted, created_at, created_at_version, created_by, updated_at, updated_by, deleted_at, deleted_by,
            delta, base_id, chain_bytes, keyframe_bytes, blobs)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)

    /// How a new version of the entity is stored: a delta from the version before it while the
    /// chain stays short (see `EntityData`), else a keyframe.
    private mutating func storedForm(of data: JSONValue, _ entity: Working) throws -> EntityData.StoredForm {
        let base = entity.before.flatMap { before in
            entity.beforeData.map { EntityData.Base(value: $0, keyframeBytes: before.keyframeBytes, chainBytes: before.chainBytes) }
        }
        let indexed = try !(definition(of: entity.type)?.indexedFields.isEmpty ?? true)
        return try EntityData.storedForm(of: data, after: base, patch: entity.patchFromBefore, indexed: indexed, in: db)
    }
}

extension Database {
    /// Notes that the entity has versions in `lineageID`, for an entity row written with a
    /// lineage its previous row did not have (forked, imported): in table `lineage`, unless it is
    /// the lineage the entity was created in, which its own row holds.
    func noteLineage(entityKey: Int64, lineageID: String) throws {
        try run(Self.insertLineage, [entityKey, lineageID])
    }

    private static let insertLineage = HotSQL("""
        INSERT OR IGNORE INTO lineage(entity_key, lineage_id) SELECT key, ?2 FROM entity WHERE key = ?1 AND lineage_id IS NOT ?2
        """)
}
