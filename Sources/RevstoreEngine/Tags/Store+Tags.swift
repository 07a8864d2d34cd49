import GRDB
import RevstoreJSON

extension Store {
    /// Names (branch, version); an existing tag of that name moves.
    public func submitSetTag(session: String, name: String, branch: String?, at: ReadPosition.At) -> WriteTicket<Tag> {
        submitWrite { db in
            try Names.checkTag(name, path: "name")
            guard name != "approved" else {
                throw EngineError.invalidArgument("\"approved\" always means the latest approved version; it cannot be set", path: "name")
            }
            let position = try db.resolve(ReadPosition(session: session, branch: branch, at: at))
            try db.run("""
                INSERT INTO tag(session_id, name, branch_id, version, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(session_id, name) DO UPDATE SET branch_id = excluded.branch_id, version = excluded.version, created_at = excluded.created_at
                """, [position.session.id, name, position.branch.id, position.version, Timestamp.now()])
            try db.appendEvent(.tagSet, session: session, branch: position.branch.name, version: position.version, detail: ["tag": .string(name)])
            return Tag(session: session, name: name, branch: position.branch.name, version: position.version,
                       createdAt: try db.fetchOne(String.self, "SELECT created_at FROM tag WHERE session_id = ? AND name = ?", [position.session.id, name]) ?? "")
        }
    }

    public func tags(session: String) throws(EngineError) -> [Tag] {
        try read { db in
            let sessionRow = try db.sessionRow(session)
            return try db.fetchAll(Row.self, """
                SELECT t.name, t.version, t.created_at, b.name AS branch FROM tag t JOIN branch b ON b.id = t.branch_id
                WHERE t.session_id = ? ORDER BY t.name
                """, [sessionRow.id]).map {
                Tag(session: session, name: $0["name"], branch: $0["branch"], version: $0["version"], createdAt: $0["created_at"])
            }
        }
    }

    public func submitDeleteTag(session: String, name: String) -> WriteTicket<Bool> {
        submitWrite { db in
            let sessionRow = try db.sessionRow(session)
            try db.run("DELETE FROM tag WHERE session_id = ? AND name = ?", [sessionRow.id, name])
            guard db.changesCount > 0 else {
                throw EngineError.notFound("tag", ["session": .string(session), "tag": .string(name)], "\"\(name)\" in session \"\(session)\"")
            }
            try db.appendEvent(.tagDeleted, session: session, detail: ["tag": .string(name)])
            return true
        }
    }
}
