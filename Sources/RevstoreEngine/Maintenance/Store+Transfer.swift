import GRDB
import RevstoreJSON

/// A session with its whole history as JSON lines, to move it to another store and back
/// unchanged: every version (time, actor, message, metadata, turn, review state), branch, tag,
/// turn with its staged ops, merge record and entity version (its ids, lineage, times, actors).
/// The first line describes the session; every other line is `{kind: value}`, in an order an
/// import can replay: branches by creation, then versions, entity versions as they were
/// written, tags, turns and merges.
extension Store {
    public static let exportFormat = 1

    public func export(session name: String) throws(EngineError) -> [JSONValue] {
        try read { db in try Self.export(session: name, in: db) }
    }

    /// Copies a session with its whole history under a new name, in one transaction: the copy
    /// has every branch, version, tag, turn and entity version of the original, with new entity
    /// version and turn ids.
    public func submitCopy(session name: String, to copy: String) -> WriteTicket<Session> {
        submitWrite { db in
            try Self.importSession(try Self.export(session: name, in: db), as: copy, in: db, detail: ["copiedFrom": .string(name)])
        }
    }

    private static func export(session name: String, in db: Database) throws -> [JSONValue] {
        let session = try db.sessionRow(name)
        let branchNames = try db.branchNames(session: session)
        func branch(_ id: Int64?) -> JSONValue { id.flatMap { branchNames[$0] }.map(JSONValue.string) ?? .null }
        func text(_ row: Row, _ column: String) -> JSONValue { (row[column] as String?).map(JSONValue.string) ?? .null }
        func parsed(_ row: Row, _ column: String) throws -> JSONValue { try JSONParser.parse(row[column] as String) }

        var lines: [JSONValue] = [[
            "revstoreExport": .integer(Self.exportFormat), "session": .string(session.name), "createdAt": .string(session.createdAt),
            "metadata": try JSONParser.parse(session.metadata), "defaultBranch": .string(session.defaultBranch),
        ]]
        for row in try Row.fetchAll(db, sql: "SELECT *, \(BranchRow.head) AS head FROM branch WHERE session_id = ? ORDER BY id", arguments: [session.id]) {
            lines.append(["branch": ["name": text(row, "name"), "head": .integer(row["head"]), "baseBranch": branch(row["base_branch_id"]),
                                     "baseVersion": .integer(row["base_version"]), "createdAt": text(row, "created_at")]])
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT v.* FROM version v JOIN branch b ON b.id = v.branch_id WHERE b.session_id = ? ORDER BY b.id, v.number
            """, arguments: [session.id]) {
            lines.append(["version": [
                "branch": branch(row["branch_id"]), "number": .integer(row["number"]), "createdAt": text(row, "created_at"),
                "actor": text(row, "actor"), "message": text(row, "message"), "metadata": try parsed(row, "metadata"), "turn": text(row, "turn"),
                "changeCount": .integer(row["change_count"]), "pruned": .bool(row["pruned"]),
                "review": ["status": text(row, "review_status"), "submittedAt": text(row, "submitted_at"), "submittedBy": text(row, "submitted_by"),
                           "reviewedAt": text(row, "reviewed_at"), "reviewedBy": text(row, "reviewed_by"), "notes": text(row, "review_notes")],
            ]])
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT e.type AS entity_type, e.entity_id, v.branch_id, v.valid_from, v.valid_to, v.number, v.change, v.version_id,
                v.parent_version_id, v.lineage_id, \(EntityData.expression("v")) AS whole, v.deleted, v.created_at, v.created_at_version,
                v.created_by, v.updated_at, v.updated_by, v.deleted_at, v.deleted_by
            FROM entity_version v JOIN entity e ON e.key = v.entity_key WHERE e.session_id = ? ORDER BY v.id
            """, arguments: [session.id]) {
            lines.append(["entityVersion": [
                "type": text(row, "entity_type"), "id": text(row, "entity_id"), "branch": branch(row["branch_id"]),
                "validFrom": .integer(row["valid_from"]), "validTo": (row["valid_to"] as Int?).map(JSONValue.integer) ?? .null,
                "number": .integer(row["number"]), "change": text(row, "change"), "versionId": text(row, "version_id"),
                "parentVersionId": text(row, "parent_version_id"), "lineageId": text(row, "lineage_id"), "data": try parsed(row, "whole"),
                "deleted": .bool(row["deleted"]), "createdAt": text(row, "created_at"), "createdAtVersion": .integer(row["created_at_version"]),
                "createdBy": text(row, "created_by"), "updatedAt": text(row, "updated_at"), "updatedBy": text(row, "updated_by"),
                "deletedAt": text(row, "deleted_at"), "deletedBy": text(row, "deleted_by"),
            ]])
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM tag WHERE session_id = ? ORDER BY name", arguments: [session.id]) {
            lines.append(["tag": ["name": text(row, "name"), "branch": branch(row["branch_id"]), "version": .integer(row["version"]),
                                  "createdAt": text(row, "created_at")]])
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM turn WHERE session_id = ? ORDER BY created_at, id", arguments: [session.id]) {
            let id: String = row["id"]
            let operations = try String.fetchAll(db, sql: "SELECT operation FROM turn_op WHERE turn_id = ? ORDER BY position", arguments: [id])
            lines.append(["turn": [
                "id": .string(id), "branch": branch(row["branch_id"]), "baseVersion": .integer(row["base_version"]), "status": text(row, "status"),
                "message": text(row, "message"), "metadata": try parsed(row, "metadata"), "actor": text(row, "actor"),
                "createdAt": text(row, "created_at"), "version": (row["version"] as Int?).map(JSONValue.integer) ?? .null,
                "ops": .array(try operations.map { try JSONParser.parse($0) }),
            ]])
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT m.* FROM merge_record m JOIN branch b ON b.id = m.target_branch_id WHERE b.session_id = ? ORDER BY m.rowid
            """, arguments: [session.id]) {
            lines.append(["merge": ["target": branch(row["target_branch_id"]), "source": branch(row["source_branch_id"]),
                                    "sourceVersion": .integer(row["source_version"]), "targetVersion": .integer(row["target_version"])]])
        }
        return lines
    }

    /// Recreates an exported session under its own name, keeping every id; or, given `name`,
    /// as a copy with new entity version and turn ids (lineage ids stay, so the copy's entities
    /// share their originals' lineage). `ALREADY_EXISTS` when the name is taken, or when the
    /// session's ids are already in this store (import it under another name to copy it).
    /// Entity versions are stored as keyframes and deltas by the usual rule; the feed gets one
    /// `sessionCreated` event.
    public func submitImport(_ lines: [JSONValue], as name: String? = nil) -> WriteTicket<Session> {
        submitWrite { db in
            try Self.importSession(lines, as: name, in: db, detail: ["importedFrom": lines.first?["session"] ?? .null])
        }
    }

    private static func importSession(_ lines: [JSONValue], as name: String?, in db: Database, detail: JSONValue) throws -> Session {
        guard let header = lines.first, header["revstoreExport"]?.intValue == Self.exportFormat,
              let exported = header["session"]?.stringValue else {
            throw EngineError.invalidArgument("the first line is not the header of a revstore export (format \(Self.exportFormat))", path: "line 1")
        }
        let sessionName = name ?? exported
        try Names.checkSession(sessionName, path: "session")
        if try db.fetchOne(Int64.self, "SELECT id FROM session WHERE name = ?", [sessionName]) != nil {
            throw EngineError(.alreadyExists, "Session \"\(sessionName)\" already exists.", ["kind": "session", "session": .string(sessionName)])
        }
        var importer = try SessionImporter(db: db, renewingIDs: name != nil)
        try importer.session(sessionName, header)
        for (index, line) in lines.enumerated().dropFirst() {
            do {
                try importer.line(line)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw EngineError(.alreadyExists, "Line \(index + 1) names an entity version or turn this store already has; import under another name (as) to copy the session.",
                                  ["kind": "session", "session": .string(sessionName), "line": .integer(index + 1)])
            } catch {
                throw EngineError(error).with("line", .integer(index + 1))
            }
        }
        try db.appendEvent(.sessionCreated, session: sessionName, detail: detail)
        return try Self.session(try db.sessionRow(sessionName), in: db)
    }
}

/// Writes an export's lines back as rows.
private struct SessionImporter {
    let db: Database
    var sessionID: Int64 = 0
    var branches: [String: Int64] = [:]
    var entityKeys: [EntityReference: Int64] = [:]
    /// Each imported entity version's row id, value and chain, by version id, to store the next
    /// version of its entity as a delta from it.
    var written: [String: (key: Int64, rowID: Int64, value: JSONValue, chainBytes: Int, keyframeBytes: Int)] = [:]

    /// A copy: new entity version and turn ids, mapped consistently.
    let renewingIDs: Bool
    var renewed: [String: String] = [:]

    /// The store's declared types: an import declares none, so they hold for all of it.
    let types: DeclaredTypes

    init(db: Database, renewingIDs: Bool) throws {
        self.db = db
        self.renewingIDs = renewingIDs
        types = try db.declaredTypes()
    }

    /// The id to write for an exported id.
    private mutating func renew(_ exported: String) -> String {
        guard renewingIDs else { return exported }
        if let known = renewed[exported] { return known }
        let fresh = Identifier.make()
        renewed[exported] = fresh
        return fresh
    }

    private mutating func renew(_ exported: String?) -> String? { exported.map { renew($0) } }

    private func field(_ value: JSONValue, _ name: String) throws -> JSONValue {
        guard let member = value[name] else { throw EngineError.invalidArgument("missing \"\(name)\"", path: name) }
        return member
    }

    private func string(_ value: JSONValue, _ name: String) throws -> String {
        guard let text = try field(value, name).stringValue else { throw EngineError.invalidArgument("\"\(name)\" must be a string", path: name) }
        return text
    }

    private func integer(_ value: JSONValue, _ name: String) throws -> Int {
        guard let number = try field(value, name).intValue else { throw EngineError.invalidArgument("\"\(name)\" must be an integer", path: name) }
        return number
    }

    private func branchID(_ value: JSONValue, _ name: String) throws -> Int64 {
        let branch = try string(value, name)
        guard let id = branches[branch] else { throw EngineError.invalidArgument("branch \"\(branch)\" is not declared before it is used", path: name) }
        return id
    }

    mutating func session(_ name: String, _ header: JSONValue) throws {
        try db.run("INSERT INTO session(name, created_at, metadata, default_branch) VALUES (?, ?, ?, ?)",
                   [name, try string(header, "createdAt"), try field(header, "metadata").canonicalText, try string(header, "defaultBranch")])
        sessionID = db.lastInsertedRowID
    }

    mutating func line(_ line: JSONValue) throws {
        guard case .object(let members) = line, members.count == 1, let (kind, value) = members.first else {
            throw EngineError.invalidArgument("a line is one {kind: value} object", path: "")
        }
        switch kind {
        case "branch":
            let name = try string(value, "name")
            let baseID = value["baseBranch"]?.isNull == false ? try branchID(value, "baseBranch") : nil
            // Its head follows from the versions imported after it.
            try db.run("INSERT INTO branch(session_id, name, base_branch_id, base_version, created_at) VALUES (?, ?, ?, ?, ?)",
                       [sessionID, name, baseID, try integer(value, "baseVersion"), try string(value, "createdAt")])
            branches[name] = db.lastInsertedRowID
        case "version":
            let review = try field(value, "review")
            try db.run("""
                INSERT INTO version(branch_id, number, created_at, actor, message, metadata, turn, change_count, review_status,
                    submitted_at, submitted_by, reviewed_at, reviewed_by, review_notes, pruned) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [try branchID(value, "branch"), try integer(value, "number"), try string(value, "createdAt"), value["actor"]?.stringValue,
                      value["message"]?.stringValue, try field(value, "metadata").canonicalText, renew(value["turn"]?.stringValue),
                      try integer(value, "changeCount"), try string(review, "status"), review["submittedAt"]?.stringValue,
                      review["submittedBy"]?.stringValue, review["reviewedAt"]?.stringValue, review["reviewedBy"]?.stringValue,
                      review["notes"]?.stringValue, value["pruned"]?.boolValue ?? false])
        case "entityVersion":
            try entityVersion(value)
        case "tag":
            try db.run("INSERT INTO tag(session_id, name, branch_id, version, created_at) VALUES (?, ?, ?, ?, ?)",
                       [sessionID, try string(value, "name"), try branchID(value, "branch"), try integer(value, "version"), try string(value, "createdAt")])
        case "turn":
            let id = renew(try string(value, "id"))
            try db.run("""
                INSERT INTO turn(id, session_id, branch_id, base_version, status, message, metadata, actor, created_at, version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [id, sessionID, try branchID(value, "branch"), try integer(value, "baseVersion"), try string(value, "status"),
                      value["message"]?.stringValue, try field(value, "metadata").canonicalText, value["actor"]?.stringValue,
                      try string(value, "createdAt"), value["version"]?.intValue])
            for (position, operation) in (value["ops"]?.arrayValue ?? []).enumerated() {
                try db.run("INSERT INTO turn_op(turn_id, position, operation) VALUES (?, ?, ?)", [id, position, operation.canonicalText])
            }
        case "merge":
            try db.run("INSERT INTO merge_record(target_branch_id, source_branch_id, source_version, target_version) VALUES (?, ?, ?, ?)",
                       [try branchID(value, "target"), try branchID(value, "source"), try integer(value, "sourceVersion"), try integer(value, "targetVersion")])
        default:
            throw EngineError.invalidArgument("unknown kind \"\(kind)\"", path: kind)
        }
    }

    private mutating func entityVersion(_ value: JSONValue) throws {
        let type = try string(value, "type"), id = try string(value, "id")
        let lineageID = try string(value, "lineageId")
        let reference = EntityReference(type: type, id: id)
        let key: Int64
        if let known = entityKeys[reference] {
            key = known
        } else {
            try db.run("INSERT INTO entity(session_id, type, entity_id, lineage_id) VALUES (?, ?, ?, ?)", [sessionID, type, id, lineageID])
            key = db.lastInsertedRowID
            entityKeys[reference] = key
        }
        let data = try field(value, "data").canonicalized
        let versionID = renew(try string(value, "versionId"))
        let parent = renew(value["parentVersionId"]?.stringValue)
        // Stored by the usual rule: a delta from the version it was derived from, while the chain is short.
        var base: (rowID: Int64, form: EntityData.Base)?
        if let parent, let written = written[parent], written.key == key {
            base = (written.rowID, EntityData.Base(value: written.value, keyframeBytes: written.keyframeBytes, chainBytes: written.chainBytes))
        }
        let indexed = !(types.byName[type]?.indexedFields.isEmpty ?? true)
        let stored = try EntityData.storedForm(of: data, after: base?.form, indexed: indexed, in: db)
        try db.run("""
            INSERT INTO entity_version(entity_key, type, branch_id, valid_from, valid_to, number, change, version_id, parent_version_id,
                lineage_id, data, deleted, created_at, created_at_version, created_by, updated_at, updated_by, deleted_at, deleted_by,
                delta, base_id, chain_bytes, keyframe_bytes, blobs)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [key, type, try branchID(value, "branch"), try integer(value, "validFrom"), value["validTo"]?.intValue,
                  try integer(value, "number"), try string(value, "change"), versionID, parent, lineageID,
                  stored.data, value["deleted"]?.boolValue ?? false, try string(value, "createdAt"), try integer(value, "createdAtVersion"),
                  value["createdBy"]?.stringValue, try string(value, "updatedAt"), value["updatedBy"]?.stringValue,
                  value["deletedAt"]?.stringValue, value["deletedBy"]?.stringValue, stored.delta, stored.delta == nil ? nil : base?.rowID, stored.chainBytes, stored.keyframeBytes,
                  stored.blobs.count])
        let rowID = db.lastInsertedRowID
        try Blobs.hold(stored.blobs, in: db)
        try db.noteLineage(entityKey: key, lineageID: lineageID)
        written[versionID] = (key, rowID, data, stored.chainBytes, stored.keyframeBytes)
    }
}
