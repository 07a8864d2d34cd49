import GRDB
import RevstoreJSON

extension Store {
    /// draft → submitted.
    public func submitSubmitVersion(session: String, branch: String?, version: Int, actor: String?, notes: String?) -> WriteTicket<VersionInfo> {
        submitWrite { db in
            try Self.transition(db, session: session, branch: branch, version: version, from: "draft", to: "submitted") { owner in
                try db.run("UPDATE version SET review_status = 'submitted', submitted_at = ?, submitted_by = ?, review_notes = ? WHERE branch_id = ? AND number = ?",
                           [Timestamp.now(), actor, notes, owner, version])
            }
        }
    }

    /// submitted → approved | rejected.
    public func submitReviewVersion(session: String, branch: String?, version: Int, approved: Bool, actor: String?, notes: String?) -> WriteTicket<VersionInfo> {
        let status = approved ? "approved" : "rejected"
        return submitWrite { db in
            try Self.transition(db, session: session, branch: branch, version: version, from: "submitted", to: status) { owner in
                try db.run("""
                    UPDATE version SET review_status = ?, reviewed_at = ?, reviewed_by = ?, review_notes = coalesce(?, review_notes)
                    WHERE branch_id = ? AND number = ?
                    """, [status, Timestamp.now(), actor, notes, owner, version])
            }
        }
    }

    private static func transition(_ db: Database, session: String, branch: String?, version: Int, from: String, to: String,
                                   update: (Int64) throws -> Void) throws -> VersionInfo {
        let position = try db.resolve(ReadPosition(session: session, branch: branch, at: .version(version)))
        let owner = position.segments[0].branchID
        let status = try db.fetchOne(String.self, "SELECT review_status FROM version WHERE branch_id = ? AND number = ?", [owner, version]) ?? "draft"
        guard status == from else {
            throw EngineError.invalidState("version \(version) is \(status); only a \(from) version can become \(to)")
        }
        try update(owner)
        let reviewer = try db.fetchOne(String.self, "SELECT coalesce(reviewed_by, submitted_by) FROM version WHERE branch_id = ? AND number = ?", [owner, version])
        try db.appendEvent(.reviewed, session: session, branch: position.branchNames[owner], version: version, actor: reviewer,
                           detail: ["status": .string(to)])
        guard let row = try db.fetchOne(Row.self, "SELECT * FROM version WHERE branch_id = ? AND number = ?", [owner, version]) else {
            throw EngineError.notFound("version", ["version": .integer(version)], "\(version)")
        }
        return versionInfo(row, session: position.session, branchNames: position.branchNames)
    }
}
