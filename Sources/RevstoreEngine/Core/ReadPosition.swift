import GRDB
import RevstoreJSON

/// Where a read looks: a session, a branch (default: the session's default branch) and a
/// version on it (default: the head).
public struct ReadPosition: Sendable {
    public enum At: Sendable, Equatable {
        case version(Int)
        /// A tag name, or `approved`.
        case tag(String)
    }

    public var session: String
    public var branch: String?
    public var at: At?
    /// Read through an open turn: its staged changes over its branch head.
    public var turn: String?

    public init(session: String, branch: String? = nil, at: At? = nil, turn: String? = nil) {
        self.session = session
        self.branch = branch
        self.at = at
        self.turn = turn
    }
}

/// One stretch of a branch's ancestry: versions `(above, upTo]` of `branchID`.
struct Segment: Sendable {
    var branchID: Int64
    var upTo: Int
    var above: Int
}

/// A read position resolved against the database.
struct ResolvedPosition: Sendable {
    var session: SessionRow
    var branch: BranchRow
    var version: Int
    /// Nearest first: the branch itself, then the branches it was created from.
    var segments: [Segment]
    var branchNames: [Int64: String]
}

extension Database {
    func sessionRow(_ name: String) throws -> SessionRow {
        guard let row = try self.fetchOne(SessionRow.self, Self.sessionByName, [name]) else {
            throw EngineError.notFound("session", ["session": .string(name)], "\"\(name)\"")
        }
        return row
    }

    /// The session and the branch a position names (its default branch without one).
    private static let sessionAndBranch = HotSQL("""
        SELECT \(SessionBranchRow.columns) FROM session JOIN branch ON branch.session_id = session.id
        AND branch.name = coalesce(?2, session.default_branch) WHERE session.name = ?1
        """)

    private static let sessionByName = HotSQL("SELECT \(SessionRow.columns) FROM session WHERE name = ?")
    private static let branchByID = HotSQL("SELECT \(BranchRow.columns) FROM branch WHERE id = ?")

    func branchRow(session: SessionRow, name: String?) throws -> BranchRow {
        let name = name ?? session.defaultBranch
        guard let row = try self.fetchOne(BranchRow.self, "SELECT \(BranchRow.columns) FROM branch WHERE session_id = ? AND name = ?", [session.id, name]) else {
            throw EngineError.notFound("branch", ["session": .string(session.name), "branch": .string(name)], "\"\(name)\" in session \"\(session.name)\"")
        }
        return row
    }

    func branchNames(session: SessionRow) throws -> [Int64: String] {
        var names: [Int64: String] = [:]
        for row in try self.fetchAll(Row.self, "SELECT id, name FROM branch WHERE session_id = ?", [session.id]) {
            names[row["id"]] = row["name"]
        }
        return names
    }

    /// The ancestry of `branch` as seen at `version`, nearest first.
    func segments(of branch: BranchRow, at version: Int) throws -> [Segment] {
        try ancestry(of: branch, at: version).segments
    }

    /// The ancestry's segments, and the names of the branches walked: every row visible at the
    /// position was written on one of them.
    private func ancestry(of branch: BranchRow, at version: Int) throws -> (segments: [Segment], names: [Int64: String]) {
        var segments: [Segment] = []
        var names: [Int64: String] = [branch.id: branch.name]
        var current = branch
        var limit = version
        while true {
            if limit > current.baseVersion {
                segments.append(Segment(branchID: current.id, upTo: limit, above: current.baseVersion))
                limit = current.baseVersion
            }
            guard limit > 0, let parentID = current.baseBranchID,
                  let parent = try self.fetchOne(BranchRow.self, Self.branchByID, [parentID])
            else { break }
            current = parent
            names[parent.id] = parent.name
        }
        return (segments, names)
    }

    /// A session and its branch (its default branch without a name), in one seek.
    func sessionAndBranch(_ sessionName: String, branch branchName: String?) throws -> (SessionRow, BranchRow) {
        if let pair = try fetchOne(SessionBranchRow.self, Self.sessionAndBranch, [sessionName, branchName]) {
            return (pair.session, pair.branch)
        }
        // One of the two is missing: look for each alone, for the error that names it.
        let session = try sessionRow(sessionName)
        return (session, try branchRow(session: session, name: branchName))
    }

    func resolve(_ position: ReadPosition) throws -> ResolvedPosition {
        let (session, named) = try sessionAndBranch(position.session, branch: position.branch)
        var branch = named
        let version: Int
        switch position.at {
        case nil:
            version = branch.head
        case .version(let number):
            guard number >= 1, number <= branch.head else {
                throw EngineError.notFound("version", ["session": .string(session.name), "branch": .string(branch.name), "version": .integer(number)],
                                           "\(number) on branch \"\(branch.name)\" (head \(branch.head))")
            }
            version = number
        case .tag(let name):
            (branch, version) = try resolveTag(name, session: session, branch: branch, branchNamed: position.branch != nil)
        }
        let (segments, names) = try ancestry(of: branch, at: version)
        // Compaction always keeps every head.
        if version != branch.head {
            try checkNotPruned(session: session, branch: branch, version: version, segments: segments)
        }
        return ResolvedPosition(session: session, branch: branch, version: version, segments: segments, branchNames: names)
    }

    /// A tag's (branch, version), or for `approved` the branch's latest approved version. When
    /// the request names a branch, the tag must point into that branch's history.
    func resolveTag(_ name: String, session: SessionRow, branch: BranchRow, branchNamed: Bool) throws -> (BranchRow, Int) {
        let notFound = EngineError.notFound("tag", ["session": .string(session.name), "tag": .string(name)], "\"\(name)\" in session \"\(session.name)\"")
        if name == "approved" {
            guard let version = try latestApproved(branch) else {
                // Kind `tag`, as for any tag that does not resolve (protocol fixtures), in words that say why.
                throw EngineError(.notFound, "No version is approved on branch \"\(branch.name)\" of session \"\(session.name)\" yet.",
                                  ["kind": "tag", "tag": "approved", "session": .string(session.name), "branch": .string(branch.name)])
            }
            return (branch, version)
        }
        guard let tag = try fetchOne(Row.self, "SELECT branch_id, version FROM tag WHERE session_id = ? AND name = ?", [session.id, name]) else {
            throw notFound
        }
        let tagBranchID: Int64 = tag["branch_id"]
        let tagVersion: Int = tag["version"]
        if !branchNamed || tagBranchID == branch.id {
            guard let tagBranch = try fetchOne(BranchRow.self, "SELECT \(BranchRow.columns) FROM branch WHERE id = ?", [tagBranchID]) else { throw notFound }
            return (tagBranch, tagVersion)
        }
        // The same state is readable from the named branch if the tag lies in its ancestry.
        for segment in try segments(of: branch, at: branch.head) where segment.branchID == tagBranchID && tagVersion > segment.above && tagVersion <= segment.upTo {
            return (branch, tagVersion)
        }
        throw notFound.with("branch", .string(branch.name))
    }

    /// The highest approved version in the branch's history, if any.
    func latestApproved(_ branch: BranchRow) throws -> Int? {
        var best: Int?
        for segment in try segments(of: branch, at: branch.head) {
            if let number = try fetchOne(Int.self, """
                SELECT max(number) FROM version WHERE branch_id = ? AND review_status = 'approved' AND number > ? AND number <= ?
                """, [segment.branchID, segment.above, segment.upTo]) {
                best = max(best ?? 0, number)
            }
        }
        return best
    }

    /// A version removed by `session/compact` answers NOT_FOUND with `pruned: true`.
    func checkNotPruned(session: SessionRow, branch: BranchRow, version: Int, segments: [Segment]) throws {
        guard let owner = segments.first, try fetchInteger(Self.versionPruned, [owner.branchID, version]) == 1 else { return }
        throw EngineError.notFound("version", ["session": .string(session.name), "branch": .string(branch.name), "version": .integer(version), "pruned": true],
                                   "\(version) on branch \"\(branch.name)\": it was removed by compaction")
    }

    private static let versionPruned = HotSQL("SELECT pruned FROM version WHERE branch_id = ? AND number = ?")

    /// The entity's visible row at a position (a tombstone included), or nil.
    func entityRow(entityKey: Int64, segments: [Segment]) throws -> EntityVersionRow? {
        for segment in segments {
            if let row = try self.fetchOne(EntityVersionRow.self, Self.visibleRow, [entityKey, segment.branchID, segment.upTo]) { return row }
        }
        return nil
    }

    /// The visible row of the entity `type`/`id`, as `entityRow(entityKey:segments:)` finds it,
    /// with the entity's key looked up in the same statement.
    func entityRow(session: SessionRow, type: String, id: String, segments: [Segment]) throws -> EntityVersionRow? {
        try entityRow(Self.visibleRowByID, session: session, type: type, id: id, segments: segments)
    }

    /// `entityRow(session:type:id:segments:)` for a writer: with the data only where the row
    /// holds it whole and small (`EntityVersionRow.columnsForWriter`).
    func entityRowForWriter(session: SessionRow, type: String, id: String, segments: [Segment]) throws -> EntityVersionRow? {
        try entityRow(Self.visibleRowByIDForWriter, session: session, type: type, id: id, segments: segments)
    }

    private func entityRow(_ sql: HotSQL, session: SessionRow, type: String, id: String, segments: [Segment]) throws -> EntityVersionRow? {
        for segment in segments {
            if let row = try self.fetchOne(EntityVersionRow.self, sql, [session.id, type, id, segment.branchID, segment.upTo]) { return row }
        }
        return nil
    }

    private static let visibleRowByID = visibleRowByIDSQL(EntityVersionRow.columns)
    private static let visibleRowByIDForWriter = visibleRowByIDSQL(EntityVersionRow.columnsForWriter)

    private static func visibleRowByIDSQL(_ columns: String) -> HotSQL {
        HotSQL("""
        SELECT \(columns) FROM entity e JOIN entity_version v ON v.entity_key = e.key
        WHERE e.session_id = ? AND e.type = ? AND e.entity_id = ? AND v.branch_id = ? AND v.valid_from <= ?
        ORDER BY v.valid_from DESC LIMIT 1
        """)
    }

    private static let visibleRow = HotSQL("""
        SELECT \(EntityVersionRow.columns) FROM entity_version v JOIN entity e ON e.key = v.entity_key
        WHERE v.entity_key = ? AND v.branch_id = ? AND v.valid_from <= ?
        ORDER BY v.valid_from DESC LIMIT 1
        """)

    /// The entities that may read differently at two positions of one session: those with a row
    /// written where the two ancestries differ. Every other entity has the same visible row at
    /// both, so diffs, rollbacks and merges need look at these only, however large the session.
    func entitiesWritten(between first: [Segment], and second: [Segment], type: String?) throws -> [Int64] {
        var ranges: [(branchID: Int64, above: Int, upTo: Int)] = []
        for segment in first + second {
            let mine = first.first { $0.branchID == segment.branchID }
            let theirs = second.first { $0.branchID == segment.branchID }
            guard !ranges.contains(where: { $0.branchID == segment.branchID }) else { continue }
            switch (mine, theirs) {
            case (let a?, let b?):
                // One branch seen from both: the same start, so only the stretch between the ends differs.
                if a.upTo != b.upTo { ranges.append((segment.branchID, min(a.upTo, b.upTo), max(a.upTo, b.upTo))) }
            default:
                ranges.append((segment.branchID, segment.above, segment.upTo))
            }
        }
        var keys = Set<Int64>()
        for range in ranges {
            var sql = "SELECT DISTINCT entity_key FROM entity_version WHERE branch_id = ? AND valid_from > ? AND valid_from <= ?"
            var arguments: StatementArguments = [range.branchID, range.above, range.upTo]
            if let type {
                sql += " AND type = ?"
                arguments += [type]
            }
            keys.formUnion(try Int64.fetchAll(self, sql: sql, arguments: arguments))
        }
        return keys.sorted()
    }

    func entityKey(session: SessionRow, type: String, id: String) throws -> Int64? {
        try fetchInteger(Self.entityKeyByID, [session.id, type, id]).map(Int64.init)
    }

    private static let entityKeyByID = HotSQL("SELECT key FROM entity WHERE session_id = ? AND type = ? AND entity_id = ?")

    /// SQL that holds when the row `v` is the visible version of its entity at a position: the
    /// current row on its segment's branch at that segment's limit, with no row for the entity
    /// on a nearer segment. This form lets a query start from a field's index over
    /// `entity_version`; the unary `+` keeps SQLite from driving it by `branch_id` instead.
    static func visibilityCondition(_ segments: [Segment]) -> (sql: String, arguments: StatementArguments) {
        var alternatives: [String] = []
        var arguments = StatementArguments()
        for (index, segment) in segments.enumerated() {
            var terms = ["+v.branch_id = ? AND +v.valid_from <= ? AND (v.valid_to IS NULL OR v.valid_to > ?)"]
            arguments += [segment.branchID, segment.upTo, segment.upTo]
            for nearer in segments[..<index] {
                terms.append("NOT EXISTS (SELECT 1 FROM entity_version x WHERE x.entity_key = v.entity_key AND x.branch_id = ? AND x.valid_from <= ?)")
                arguments += [nearer.branchID, nearer.upTo]
            }
            alternatives.append("(" + terms.joined(separator: " AND ") + ")")
        }
        if alternatives.isEmpty { return ("0", arguments) }
        return ("(" + alternatives.joined(separator: " OR ") + ")", arguments)
    }

    /// SQL for the id of an entity's visible row at a position, for `e.key`; with its arguments.
    static func visibleRowExpression(_ segments: [Segment]) -> (sql: String, arguments: StatementArguments) {
        var parts: [String] = []
        var arguments = StatementArguments()
        for segment in segments {
            parts.append("(SELECT x.id FROM entity_version x WHERE x.entity_key = e.key AND x.branch_id = ? AND x.valid_from <= ? ORDER BY x.valid_from DESC LIMIT 1)")
            arguments += [segment.branchID, segment.upTo]
        }
        if parts.isEmpty { return ("NULL", arguments) }
        return (parts.count == 1 ? parts[0] : "COALESCE(\(parts.joined(separator: ", ")))", arguments)
    }
}
