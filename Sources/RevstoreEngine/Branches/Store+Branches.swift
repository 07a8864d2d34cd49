import GRDB
import RevstoreJSON

extension Store {
    /// A new branch sharing `from`'s history up to its version (default: the default branch's
    /// head). It costs one row, whatever the size of the session.
    public func submitCreateBranch(session: String, name: String, fromBranch: String?, fromAt: ReadPosition.At?) -> WriteTicket<Branch> {
        submitWrite { db in
            try Names.checkBranch(name, path: "name")
            let base = try db.resolve(ReadPosition(session: session, branch: fromBranch, at: fromAt))
            if try db.fetchOne(Bool.self, "SELECT 1 FROM branch WHERE session_id = ? AND name = ?", [base.session.id, name]) == true {
                throw EngineError(.alreadyExists, "Branch \"\(name)\" already exists.", ["kind": "branch", "session": .string(session), "branch": .string(name)])
            }
            try db.run("INSERT INTO branch(session_id, name, base_branch_id, base_version, created_at) VALUES (?, ?, ?, ?, ?)",
                       [base.session.id, name, base.branch.id, base.version, Timestamp.now()])
            try db.appendEvent(.branchCreated, session: session, branch: name, version: base.version,
                               detail: ["from": ["branch": .string(base.branch.name), "version": .integer(base.version)]])
            return try Self.branch(try db.branchRow(session: base.session, name: name), session: base.session, in: db)
        }
    }

    public func branch(session: String, name: String) throws(EngineError) -> Branch {
        try read { db in
            let sessionRow = try db.sessionRow(session)
            return try Self.branch(try db.branchRow(session: sessionRow, name: name), session: sessionRow, in: db)
        }
    }

    public func branches(session: String) throws(EngineError) -> [Branch] {
        try read { db in
            let sessionRow = try db.sessionRow(session)
            return try db.fetchAll(BranchRow.self, "SELECT \(BranchRow.columns) FROM branch WHERE session_id = ? ORDER BY name", [sessionRow.id])
                .map { try Self.branch($0, session: sessionRow, in: db) }
        }
    }

    /// Removes a branch and what was written on it. `main` and branches that others were
    /// created from stay (`INVALID_STATE`).
    public func submitDeleteBranch(session: String, name: String) -> WriteTicket<Bool> {
        submitWrite { db in
            let sessionRow = try db.sessionRow(session)
            let branch = try db.branchRow(session: sessionRow, name: name)
            guard branch.name != "main" else { throw EngineError.invalidState("branch main cannot be deleted") }
            if let child = try db.fetchOne(String.self, "SELECT name FROM branch WHERE base_branch_id = ? LIMIT 1", [branch.id]) {
                throw EngineError.invalidState("branch \"\(name)\" cannot be deleted: branch \"\(child)\" was created from it")
            }
            try db.run("DELETE FROM entity_version WHERE branch_id = ?", [branch.id])
            try db.run("DELETE FROM entity WHERE session_id = ? AND NOT EXISTS (SELECT 1 FROM entity_version v WHERE v.entity_key = entity.key)", [sessionRow.id])
            try db.run("DELETE FROM branch WHERE id = ?", [branch.id])
            if sessionRow.defaultBranch == name {
                try db.run("UPDATE session SET default_branch = 'main' WHERE id = ?", [sessionRow.id])
            }
            try db.appendEvent(.branchDeleted, session: session, branch: name)
            return true
        }
    }

    /// A three-way merge of `source` into `target` (default: the default branch), against their
    /// common ancestor, or the last merge of the same two branches if that is later. Per entity
    /// and per top-level field, what one side changed is taken; what both changed differently is
    /// a conflict, settled as `strategy` says (`fail`: nothing is merged, `MERGE_CONFLICT`).
    public func submitMerge(session: String, source: String, target: String?, message: String?, actor: String?, strategy: MergeStrategy) -> WriteTicket<MergeResult> {
        submitWrite { db in
            let sessionRow = try db.sessionRow(session)
            let sourceBranch = try db.branchRow(session: sessionRow, name: source)
            let targetBranch = try db.branchRow(session: sessionRow, name: target)
            guard sourceBranch.id != targetBranch.id else { throw EngineError.invalidState("a branch cannot be merged into itself") }

            let sourceAt = try db.resolve(ReadPosition(session: session, branch: sourceBranch.name))
            let targetAt = try db.resolve(ReadPosition(session: session, branch: targetBranch.name))
            var baseVersion = 0
            for segment in sourceAt.segments {
                if let shared = targetAt.segments.first(where: { $0.branchID == segment.branchID }) {
                    baseVersion = min(segment.upTo, shared.upTo)
                    break
                }
            }
            if let merged = try db.fetchOne(Int.self, "SELECT max(source_version) FROM merge_record WHERE target_branch_id = ? AND source_branch_id = ?",
                                            [targetBranch.id, sourceBranch.id]) {
                baseVersion = max(baseVersion, merged)
            }
            let base = try db.resolve(ReadPosition(session: session, branch: sourceBranch.name, at: .version(max(baseVersion, 1))))

            let keys = Set(try db.entitiesWritten(between: base.segments, and: sourceAt.segments, type: nil))
                .union(try db.entitiesWritten(between: base.segments, and: targetAt.segments, type: nil)).sorted()
            let baseState = try Self.state(in: db, at: base, keys: keys)
            let sourceState = try Self.state(in: db, at: sourceAt, keys: keys)
            let targetState = try Self.state(in: db, at: targetAt, keys: keys)
            var operations: [CommitOperation] = []
            var conflicts: [MergeConflict] = []
            for key in Set(sourceState.keys).union(targetState.keys).sorted() {
                let b = Self.live(baseState[key]), s = Self.live(sourceState[key]), t = Self.live(targetState[key])
                if s == b || s == t { continue }
                if t == b {
                    operations += Self.operations(toMake: key, look: sourceState[key], from: targetState[key])
                    continue
                }
                guard case .object(let sourceData)? = s, case .object(let targetData)? = t else {
                    // One side deleted the entity, the other changed it.
                    conflicts.append(MergeConflict(type: key.type, id: key.id, field: nil, base: b ?? .null, source: s ?? .null, target: t ?? .null))
                    if strategy == .source { operations += Self.operations(toMake: key, look: sourceState[key], from: targetState[key]) }
                    continue
                }
                let baseData = b?.objectValue ?? [:]
                var merged = targetData
                for field in Set(sourceData.codePointKeys).union(targetData.codePointKeys).union(baseData.codePointKeys).sorted().map(\.string) {
                    let bf = baseData[field], sf = sourceData[field], tf = targetData[field]
                    if sf == bf || sf == tf { continue }
                    if tf == bf {
                        merged[field] = sf
                        continue
                    }
                    conflicts.append(MergeConflict(type: key.type, id: key.id, field: field, base: bf ?? .null, source: sf ?? .null, target: tf ?? .null))
                    if strategy == .source { merged[field] = sf }
                }
                if merged != targetData { operations.append(.put(type: key.type, id: key.id, data: .object(merged), ifVersion: nil)) }
            }
            if strategy == .fail, !conflicts.isEmpty {
                throw EngineError(.mergeConflict, "\(conflicts.count) conflicting change(s) between \"\(source)\" and \"\(targetBranch.name)\".",
                                  ["conflicts": .array(conflicts.map(\.json))])
            }
            var builder = try CommitBuilder(db: db, session: sessionRow, branch: targetBranch, actor: actor)
            try builder.apply(operations)
            let result = try builder.finish(message: message ?? "merge \(source) into \(targetBranch.name)", metadata: nil, allowEmpty: false)
            try db.run("INSERT INTO merge_record(target_branch_id, source_branch_id, source_version, target_version) VALUES (?, ?, ?, ?)",
                       [targetBranch.id, sourceBranch.id, sourceBranch.head, result.version])
            return MergeResult(commit: result, conflicts: conflicts)
        }
    }

    /// A row's data when it is a live entity; nil for absent or deleted.
    private static func live(_ row: EntityVersionRow?) -> JSONValue? {
        guard let row, !row.deleted else { return nil }
        return row.parsedData
    }

    static func branch(_ row: BranchRow, session: SessionRow, in db: Database) throws -> Branch {
        var base: Branch.Base?
        if let baseID = row.baseBranchID, let name = try db.fetchOne(String.self, "SELECT name FROM branch WHERE id = ?", [baseID]) {
            base = Branch.Base(branch: name, version: row.baseVersion)
        }
        return Branch(session: session.name, name: row.name, head: row.head, base: base, createdAt: row.createdAt)
    }
}
