import GRDB
import RevstoreJSON

/// What staging into a turn answers.
public struct StagedResult: Sendable {
    public var turn: Turn
    /// For the `entity/*` shorthands: the entity as read through the turn after staging.
    public var entity: Entity?
}

extension Store {
    /// Opens a turn on a branch (default: the session's default branch), based on its head.
    public func submitBeginTurn(session: String, branch: String?, message: String?, metadata: JSONValue?, actor: String?) -> WriteTicket<Turn> {
        submitWrite { db in
            if let metadata, metadata.objectValue == nil { throw EngineError.invalidArgument("metadata must be a JSON object", path: "metadata") }
            let sessionRow = try db.sessionRow(session)
            let branchRow = try db.branchRow(session: sessionRow, name: branch)
            let id = Identifier.make()
            try db.run("""
                INSERT INTO turn(id, session_id, branch_id, base_version, status, message, metadata, actor, created_at)
                VALUES (?, ?, ?, ?, 'staged', ?, ?, ?, ?)
                """, [id, sessionRow.id, branchRow.id, branchRow.head, message, (metadata ?? .object([:])).canonicalText, actor, Timestamp.now()])
            return try Self.turn(id, in: db)
        }
    }

    public func turn(_ id: String) throws(EngineError) -> Turn {
        try read { db in try Self.turn(id, in: db) }
    }

    /// A session's turns, oldest first, optionally only those with one status.
    public func turns(session: String, status: Turn.Status?) throws(EngineError) -> [Turn] {
        try read { db in
            let sessionRow = try db.sessionRow(session)
            let ids = try String.fetchAll(db, sql: "SELECT id FROM turn WHERE session_id = ? AND (? IS NULL OR status = ?) ORDER BY created_at, rowid",
                                          arguments: [sessionRow.id, status?.rawValue, status?.rawValue])
            return try ids.map { try Self.turn($0, in: db) }
        }
    }

    /// Stages a commit's ops into an open turn; nothing is applied until `turn/commit`. For an
    /// entity shorthand, `target` names the entity to read back through the turn.
    public func submitStage(turn id: String, _ request: CommitRequest, target: (type: String, id: String)? = nil) -> WriteTicket<StagedResult> {
        submitWrite { db in
            var turn = try Self.openTurn(id, in: db)
            guard CodePointString(turn.session) == CodePointString(request.session) else {
                throw EngineError.notFound("turn", ["turn": .string(id), "session": .string(request.session)], "\"\(id)\" in session \"\(request.session)\"")
            }
            if let branch = request.branch, branch != turn.branch {
                throw EngineError.invalidState("turn \(id) is on branch \"\(turn.branch)\", not \"\(branch)\"")
            }
            // Validate now what can be validated without the state the ops will meet at commit.
            for (index, operation) in request.operations.enumerated() {
                do {
                    try Self.checkShape(operation, path: "ops.\(index)")
                } catch let error as EngineError {
                    throw error.with("opIndex", .integer(index))
                }
            }
            // Server-made ids are fixed now, so every read through the turn and its commit agree.
            let operations = request.operations.map { operation -> CommitOperation in
                switch operation {
                case .put(let type, nil, let data, let ifVersion): .put(type: type, id: Identifier.make(), data: data, ifVersion: ifVersion)
                case .fork(let type, let id, nil, let patch): .fork(type: type, id: id, newID: Identifier.make(), patch: patch)
                default: operation
                }
            }
            var position = turn.stagedOps
            for operation in operations {
                try db.run("INSERT INTO turn_op(turn_id, position, operation) VALUES (?, ?, ?)", [id, position, operation.json.canonicalText])
                position += 1
            }
            turn.stagedOps = position
            try db.appendEvent(.turnStaged, session: turn.session, branch: turn.branch, actor: turn.actor,
                               detail: ["turn": .string(id), "stagedOps": .integer(position)])
            var entity: Entity?
            if let target {
                let (resolved, overlay) = try Self.turnOverlay(ReadPosition(session: turn.session, turn: id), in: db)
                entity = try db.reading(through: overlay) {
                    try db.entityRow(session: resolved.session, type: target.type, id: target.id, segments: resolved.segments)?
                        .entity(branchNames: resolved.branchNames)
                }
            }
            return StagedResult(turn: turn, entity: entity)
        }
    }

    /// Applies the turn's ops on its branch's current head as one version.
    public func submitCommitTurn(_ id: String, message: String?, metadata: JSONValue?, expectedVersion: Int?) -> WriteTicket<CommitResult> {
        submitWrite { db in
            let turn = try Self.openTurn(id, in: db)
            let session = try db.sessionRow(turn.session)
            let branch = try db.branchRow(session: session, name: turn.branch)
            try Self.checkExpected(expectedVersion, branch)
            var builder = try CommitBuilder(db: db, session: session, branch: branch, actor: turn.actor)
            try builder.apply(try Self.stagedOperations(id, in: db))
            let result = try builder.finish(message: message ?? turn.message, metadata: metadata ?? turn.metadata, allowEmpty: false, turn: id)
            try db.run("UPDATE turn SET status = 'committed', version = ? WHERE id = ?", [result.created ? result.version : nil, id])
            return result
        }
    }

    /// Discards a turn: nothing it staged is applied.
    public func submitAbortTurn(_ id: String) -> WriteTicket<Turn> {
        submitWrite { db in
            _ = try Self.openTurn(id, in: db)
            try db.run("UPDATE turn SET status = 'reverted' WHERE id = ?", [id])
            return try Self.turn(id, in: db)
        }
    }

    // MARK: - Helpers

    static func turn(_ id: String, in db: Database) throws -> Turn {
        guard let row = try db.fetchOne(Row.self, """
            SELECT t.*, s.name AS session_name, b.name AS branch_name,
                   (SELECT count(*) FROM turn_op o WHERE o.turn_id = t.id) AS staged
            FROM turn t JOIN session s ON s.id = t.session_id JOIN branch b ON b.id = t.branch_id WHERE t.id = ?
            """, [id])
        else {
            throw EngineError.notFound("turn", ["turn": .string(id)], "\"\(id)\"")
        }
        let metadata: String = row["metadata"]
        return Turn(id: row["id"], session: row["session_name"], branch: row["branch_name"], baseVersion: row["base_version"],
                    status: Turn.Status(rawValue: row["status"]) ?? .staged, message: row["message"],
                    metadata: (try? JSONParser.parse(metadata)) ?? .object([:]), actor: row["actor"], createdAt: row["created_at"],
                    stagedOps: row["staged"], version: row["version"])
    }

    /// The turn, which must still be staged.
    static func openTurn(_ id: String, in db: Database) throws -> Turn {
        let turn = try turn(id, in: db)
        guard turn.status == .staged else {
            throw EngineError.invalidState("turn \(id) is \(turn.status.rawValue), not open")
        }
        return turn
    }

    static func stagedOperations(_ id: String, in db: Database) throws -> [CommitOperation] {
        try String.fetchAll(db, sql: "SELECT operation FROM turn_op WHERE turn_id = ? ORDER BY position", arguments: [id])
            .map { try CommitOperation(stored: try JSONParser.parse($0)) }
    }

    /// A read position through a turn: its branch's head with the turn's staged ops as an
    /// overlay over it, the version they would make. Nothing is written.
    static func turnOverlay(_ position: ReadPosition, in db: Database) throws -> (ResolvedPosition, Overlay) {
        guard let id = position.turn else { preconditionFailure("not a read through a turn") }
        if position.at != nil { throw EngineError.invalidArgument("a read through a turn reads its staged state; it cannot also name a version", path: "at") }
        let turn = try openTurn(id, in: db)
        guard CodePointString(turn.session) == CodePointString(position.session) else {
            throw EngineError.notFound("turn", ["turn": .string(id), "session": .string(position.session)], "\"\(id)\" in session \"\(position.session)\"")
        }
        if let branch = position.branch, branch != turn.branch {
            throw EngineError.invalidState("turn \(id) is on branch \"\(turn.branch)\", not \"\(branch)\"")
        }
        var resolved = try db.resolve(ReadPosition(session: turn.session, branch: turn.branch))
        var builder = try CommitBuilder(db: db, session: resolved.session, branch: resolved.branch, actor: turn.actor)
        try builder.apply(try stagedOperations(id, in: db))
        let overlay = try builder.overlay()
        if !overlay.rows.isEmpty {
            resolved.version = overlay.version
            resolved.segments = try db.segments(of: resolved.branch, at: overlay.version)
        }
        return (resolved, overlay)
    }

    /// What an op must be whatever state it meets: valid names and object data.
    static func checkShape(_ operation: CommitOperation, path: String) throws {
        func object(_ value: JSONValue?, _ name: String) throws {
            if let value, value.objectValue == nil {
                throw EngineError.invalidArgument("\(name) must be a JSON object", path: "\(path).\(name)")
            }
        }
        switch operation {
        case .put(let type, let id, let data, _):
            try Names.checkType(type, path: "\(path).type")
            if let id { try Names.checkEntityID(id, path: "\(path).id") }
            try object(data, "data")
        case .patch(let type, let id, let patch, _):
            try Names.checkType(type, path: "\(path).type")
            try Names.checkEntityID(id, path: "\(path).id")
            try object(patch, "patch")
        case .jsonPatch(let type, let id, _, _), .delete(let type, let id, _):
            try Names.checkType(type, path: "\(path).type")
            try Names.checkEntityID(id, path: "\(path).id")
        case .create(let type, let id, let data):
            try Names.checkType(type, path: "\(path).type")
            try Names.checkEntityID(id, path: "\(path).id")
            try object(data, "data")
        case .restore(let type, let id, let data):
            try Names.checkType(type, path: "\(path).type")
            try Names.checkEntityID(id, path: "\(path).id")
            try object(data, "data")
        case .fork(let type, let id, let newID, let patch):
            try Names.checkType(type, path: "\(path).type")
            try Names.checkEntityID(id, path: "\(path).id")
            if let newID { try Names.checkEntityID(newID, path: "\(path).newId") }
            try object(patch, "patch")
        }
    }
}
