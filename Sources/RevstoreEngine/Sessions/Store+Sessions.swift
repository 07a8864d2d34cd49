import Foundation
import GRDB
import RevstoreJSON

extension Store {
    /// Creates a session at version 1 on `main`, with no entities. A nil name gets a UUID.
    public func submitCreateSession(name: String?, metadata: JSONValue?) -> WriteTicket<Session> {
        submitWrite { db in
            let name = name ?? Identifier.make()
            try Names.checkSession(name)
            if let metadata, metadata.objectValue == nil {
                throw EngineError.invalidArgument("metadata must be a JSON object", path: "metadata")
            }
            if try db.fetchOne(Bool.self, "SELECT 1 FROM session WHERE name = ?", [name]) == true {
                throw EngineError(.alreadyExists, "Session \"\(name)\" already exists.", ["kind": "session", "session": .string(name)])
            }
            let now = Timestamp.now()
            try db.run("INSERT INTO session(name, created_at, metadata, default_branch) VALUES (?, ?, ?, 'main')", [name, now, (metadata ?? .object([:])).canonicalText])
            let sessionID = db.lastInsertedRowID
            try db.run("INSERT INTO branch(session_id, name, base_branch_id, base_version, created_at) VALUES (?, 'main', NULL, 0, ?)", [sessionID, now])
            try db.run("INSERT INTO version(branch_id, number, created_at, metadata, change_count) VALUES (?, 1, ?, '{}', 0)", [db.lastInsertedRowID, now])
            try db.appendEvent(.sessionCreated, session: name, branch: "main", version: 1)
            return try Self.session(try db.sessionRow(name), in: db)
        }
    }

    public func session(_ name: String) throws(EngineError) -> Session {
        try read { db in try Self.session(try db.sessionRow(name), in: db) }
    }

    /// Sessions in id order, `limit` at a time, after the id `after`; `next` continues.
    public func sessions(limit: Int, after: String?) throws(EngineError) -> (sessions: [Session], next: String?) {
        try read { db in
            let rows = try db.fetchAll(SessionRow.self, """
                SELECT \(SessionRow.columns) FROM session WHERE name > ? ORDER BY name LIMIT ?
                """, [after ?? "", limit + 1])
            let page = try rows.prefix(limit).map { try Self.session($0, in: db) }
            return (page, rows.count > limit ? page.last?.name : nil)
        }
    }

    /// Removes a session and all its history.
    public func submitDeleteSession(_ name: String) -> WriteTicket<Bool> {
        submitWrite { db in
            let session = try db.sessionRow(name)
            // Children before parents: entity versions, entities, versions, branches.
            try db.run("DELETE FROM entity_version WHERE entity_key IN (SELECT key FROM entity WHERE session_id = ?)", [session.id])
            try db.run("DELETE FROM entity WHERE session_id = ?", [session.id])
            try db.run("DELETE FROM version WHERE branch_id IN (SELECT id FROM branch WHERE session_id = ?)", [session.id])
            try db.run("UPDATE branch SET base_branch_id = NULL WHERE session_id = ?", [session.id])
            try db.run("DELETE FROM branch WHERE session_id = ?", [session.id])
            try db.run("DELETE FROM session WHERE id = ?", [session.id])
            try db.trimEvents(session: name)
            try db.appendEvent(.sessionDeleted, session: name)
            return true
        }
    }

    /// Makes `branch` the session's default branch.
    public func submitCheckout(session name: String, branch: String) -> WriteTicket<Session> {
        submitWrite { db in
            let session = try db.sessionRow(name)
            let target = try db.branchRow(session: session, name: branch)
            try db.run("UPDATE session SET default_branch = ? WHERE id = ?", [target.name, session.id])
            return try Self.session(try db.sessionRow(name), in: db)
        }
    }

    static func session(_ row: SessionRow, in db: Database) throws -> Session {
        let head = try db.fetchOne(Int.self, "SELECT \(BranchRow.head) FROM branch WHERE session_id = ? AND name = ?", [row.id, row.defaultBranch]) ?? 1
        return Session(name: row.name, createdAt: row.createdAt, metadata: (try? JSONParser.parse(row.metadata)) ?? .object([:]),
                       defaultBranch: row.defaultBranch, version: head)
    }
}
