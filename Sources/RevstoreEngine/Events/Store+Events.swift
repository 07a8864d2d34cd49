import GRDB
import RevstoreJSON

extension Store {
    /// Events after `since` (from the beginning when nil), oldest first, and the cursor to pass
    /// as `since` next time.
    public func feed(session: String?, since: Int64?, limit: Int) throws(EngineError) -> (events: [Event], cursor: Int64) {
        try read { db in
            if let since { try db.checkCursor(since, session: session) }
            let events = try db.fetchAll(Row.self, """
                SELECT * FROM event WHERE cursor > ? AND (? IS NULL OR session = ?) ORDER BY cursor LIMIT ?
                """, [since ?? 0, session, session, limit]).map(Event.init(row:))
            return (events, events.last?.cursor ?? since ?? 0)
        }
    }

    /// Registers a subscription in order with the writes queued before it: without `since`, it
    /// gets exactly the events of writes after those. Call `events.activate` once the reply is out.
    /// While `canDeliver` says no, live events wait in the feed.
    public func submitSubscribe(_ filter: EventFilter, since: Int64?, canDeliver: @escaping EventHub.CanDeliver = { true },
                                deliver: @escaping EventHub.Deliver) -> WriteTicket<SubscriptionTicket> {
        // Not repeatable: it registers the subscription as it runs.
        submitWrite(repeatable: false) { [events] db in
            if let since, since < 0 { throw EngineError.invalidArgument("since is a cursor, 0 or more", path: "since") }
            if let since { try db.checkCursor(since, session: filter.session) }
            let latest = try db.fetchOne(Int64.self, "SELECT coalesce(max(cursor), 0) FROM event", []) ?? 0
            let registered = events.register(filter, since: since, latest: latest, canDeliver: canDeliver, deliver: deliver)
            return SubscriptionTicket(id: registered.id, cursor: registered.cursor)
        }
    }
}

/// A registered subscription: its id and the cursor it starts after.
public struct SubscriptionTicket: Sendable {
    public var id: String
    public var cursor: Int64
}
