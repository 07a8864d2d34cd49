import GRDB
import RevstoreJSON

/// One change to the store, as the feed records it. Its JSON members hold the stored text,
/// written out as it is.
public struct Event: Sendable, Equatable, JSONWritable {
    public enum Kind: String, Sendable, CaseIterable {
        case committed, branchCreated, branchDeleted, tagSet, tagDeleted, reviewed, turnStaged, sessionCreated, sessionDeleted, compacted, purged
    }

    /// Store-wide and increasing.
    public var cursor: Int64
    public var kind: Kind
    public var session: String
    public var branch: String?
    public var version: Int?
    public var at: String
    public var actor: String?
    public var message: String?
    /// For `committed`: what the commit did, an array of changes.
    public var changes: CanonicalJSONText?
    /// What else the kind has to say: the tag, the turn, the review status, the compaction counts.
    public var detail: CanonicalJSONText?

    public func write(to writer: inout JSONWriter) {
        writer.writeObject { o in
            if let actor { o.member("actor", actor) }
            o.member("at", at)
            if let branch { o.member("branch", branch) }
            if let changes { o.member("changes", changes) }
            o.member("cursor", Int(cursor))
            if let detail { o.member("detail", detail) }
            o.member("kind", kind.rawValue)
            if let message { o.member("message", message) }
            o.member("session", session)
            if let version { o.member("version", version) }
        }
    }

    /// The type and id of each entity the event's changes touch.
    var touched: [(type: String?, id: String?)] {
        guard let changes = try? changes?.parsed().arrayValue else { return [] }
        return changes.map { ($0["type"]?.stringValue, $0["id"]?.stringValue) }
    }
}

extension Event {
    init(row: Row) {
        cursor = row["cursor"]
        kind = Kind(rawValue: row["kind"]) ?? .committed
        session = row["session"]
        branch = row["branch"]
        version = row["version"]
        at = row["at"]
        actor = row["actor"]
        message = row["message"]
        changes = (row["changes"] as String?).map(CanonicalJSONText.init(unchecked:))
        detail = (row["detail"] as String?).map(CanonicalJSONText.init(unchecked:))
    }
}

extension Database {
    /// Removes a session's events that `condition` (SQL over `event`) selects, and notes the
    /// highest cursor removed, so readers resuming before it learn that they missed events.
    func trimEvents(session: String, where condition: String = "1", _ arguments: StatementArguments = []) throws {
        let through = try Int64.fetchOne(self, sql: "SELECT max(cursor) FROM event WHERE session = ? AND (\(condition))", arguments: [session] + arguments)
        guard let through else { return }
        try execute(sql: "DELETE FROM event WHERE session = ? AND (\(condition))", arguments: [session] + arguments)
        try run("""
            INSERT INTO event_trim(session, through) VALUES (?, ?)
            ON CONFLICT(session) DO UPDATE SET through = max(through, excluded.through)
            """, [session, through])
    }

    /// A reader resuming after `since` must not have missed trimmed events (of `session`, or of
    /// any session when nil): else NOT_FOUND, kind `cursor`, `pruned: true`.
    func checkCursor(_ since: Int64, session: String?) throws {
        let through = try fetchOne(Int64.self, "SELECT max(through) FROM event_trim WHERE ? IS NULL OR session = ?", [session, session])
        guard let through, since < through else { return }
        throw EngineError.notFound("cursor", ["cursor": .integer(Int(since)), "pruned": true],
                                   "\(since): events after it were removed by compaction or session/delete; read the feed again from cursor \(through)")
    }

    /// Appends an event in the current transaction.
    func appendEvent(_ kind: Event.Kind, session: String, branch: String? = nil, version: Int? = nil, actor: String? = nil,
                     message: String? = nil, changes: [Change]? = nil, detail: JSONValue? = nil) throws {
        // The changes go in as the writer writes them: text a notification sends as it is.
        let changesText = changes.map { changes in
            var writer = JSONWriter()
            writer.writeArray(changes) { $0.write($1) }
            return String(decoding: writer.bytes, as: UTF8.self)
        }
        try run(Self.insertEvent, [kind.rawValue, session, branch, version, Timestamp.now(), actor, message, changesText, detail?.canonicalText])
    }

    /// The cursor follows every cursor ever used, kept or trimmed, across every process writing
    /// the file (the write lock orders them): a reader resuming after a cursor never misses an
    /// event that reused it.
    private static let insertEvent = HotSQL("""
        INSERT INTO event(cursor, kind, session, branch, version, at, actor, message, changes, detail)
        VALUES (max(coalesce((SELECT max(cursor) FROM event), 0), coalesce((SELECT max(through) FROM event_trim), 0)) + 1,
                ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
}

/// Which events a subscriber wants; nil fields match everything.
public struct EventFilter: Sendable {
    public var session: String?
    public var branch: String?
    /// Only events whose changes touch an entity of one of these types.
    public var types: Set<String>?
    /// Only events whose changes touch an entity with one of these ids (by code points).
    public var ids: Set<CodePointString>?
    public var kinds: Set<Event.Kind>?

    public init(session: String? = nil, branch: String? = nil, types: Set<String>? = nil, ids: Set<CodePointString>? = nil, kinds: Set<Event.Kind>? = nil) {
        self.session = session
        self.branch = branch
        self.types = types
        self.ids = ids
        self.kinds = kinds
    }

    func matches(_ event: Event) -> Bool {
        if let session, CodePointString(event.session) != CodePointString(session) { return false }
        if let branch, event.branch != branch { return false }
        if let kinds, !kinds.contains(event.kind) { return false }
        guard types != nil || ids != nil else { return true }
        // Only a filter by type or id looks inside the changes.
        let touched = event.touched
        if let types, !touched.contains(where: { $0.type.map(types.contains) == true }) { return false }
        if let ids, !touched.contains(where: { $0.id.map { ids.contains(CodePointString($0)) } == true }) { return false }
        return true
    }
}
