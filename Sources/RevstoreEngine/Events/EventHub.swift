import Foundation
import GRDB
import RevstoreJSON

/// Hands the feed's events to subscribers: each matching event exactly once, in cursor order.
///
/// After every group commit the writer calls `catchUp` before any response is written, so the
/// events a request causes reach its connection before its response. Commits by other processes
/// are noticed by `FileWatcher` (or a one-second safety poll) and handed on the same way.
/// While its host lags (its `canDeliver` says no), a subscription stops taking live events and
/// later resumes from the durable feed, so memory never grows with the backlog.
public final class EventHub: @unchecked Sendable {
    /// Sends one event to one subscription's owner.
    public typealias Deliver = @Sendable (_ subscription: String, _ event: Event) -> Void
    /// Whether a subscription's owner is keeping up (for stdio: little unread output).
    public typealias CanDeliver = @Sendable () -> Bool

    private struct Subscription {
        var filter: EventFilter
        /// The last cursor handed to (or passed over for) this subscription.
        var position: Int64
        /// Live events go to it; otherwise it is replaying from the feed.
        var live: Bool
        /// Registered, but its `subscribe` response is not out yet: nothing is sent to it.
        var waiting: Bool
        var deliver: Deliver
        var canDeliver: CanDeliver
    }

    private let database: any DatabaseWriter
    private let location: StoreConfiguration.Location
    private let lock = NSLock()
    private var subscriptions: [String: Subscription] = [:]
    /// The last cursor handed to the live subscriptions.
    private var dispatched: Int64 = 0
    private var started = false
    private let queue = DispatchQueue(label: "revstore.events")
    private var watcher: FileWatcher?
    /// Events read from the feed at a time, when catching up.
    private static let batch = 500

    init(database: any DatabaseWriter, location: StoreConfiguration.Location) {
        self.database = database
        self.location = location
    }

    /// Registers a subscription. With `since`, events after that cursor are replayed from the
    /// feed first; without, only events after `latest` follow. Nothing is sent until `activate`,
    /// which the caller invokes once its reply naming the subscription is out.
    func register(_ filter: EventFilter, since: Int64?, latest: Int64, canDeliver: @escaping CanDeliver,
                  deliver: @escaping Deliver) -> (id: String, cursor: Int64) {
        let id = Identifier.make()
        lock.withLock {
            if !started {
                started = true
                dispatched = latest
                watcher = location.filePath.flatMap { path in
                    FileWatcher(databasePath: path) { [weak self] in self?.catchUpSoon() }
                }
            }
            subscriptions[id] = Subscription(filter: filter, position: since ?? latest, live: false, waiting: true, deliver: deliver,
                                             canDeliver: canDeliver)
        }
        return (id, since ?? latest)
    }

    /// Starts sending to a subscription (replaying first, if it asked to).
    public func activate(_ id: String) {
        lock.withLock { subscriptions[id]?.waiting = false }
        catchUpSoon()
    }

    /// Stops a subscription; false if there was none by that id.
    public func unsubscribe(_ id: String) -> Bool {
        lock.withLock { subscriptions.removeValue(forKey: id) != nil }
    }

    /// Stops watching the file and drops every subscription; the store is closing.
    func stop() {
        let watcher = lock.withLock {
            subscriptions.removeAll()
            defer { self.watcher = nil }
            return self.watcher
        }
        watcher?.stop()
    }

    public var hasSubscriptions: Bool { lock.withLock { !subscriptions.isEmpty } }

    /// Runs `catchUp` soon on the hub's own queue, reading through the store's readers.
    func catchUpSoon() {
        queue.async { [weak self] in
            guard let self, self.hasSubscriptions else { return }
            try? self.database.read { db in self.catchUp(db) }
        }
    }

    /// Hands every event past the last dispatched one to the subscriptions that want it.
    func catchUp(_ db: Database) {
        lock.lock()
        defer { lock.unlock() }
        guard started, !subscriptions.isEmpty else { return }
        do {
            while true {
                let events = try db.fetchAll(Row.self, "SELECT * FROM event WHERE cursor > ? ORDER BY cursor LIMIT ?", [dispatched, Self.batch]).map(Event.init(row:))
                guard let last = events.last else { break }
                for id in subscriptions.keys {
                    guard var subscription = subscriptions[id], subscription.live else { continue }
                    if !subscription.canDeliver() {
                        subscription.live = false  // falls back to the feed until the host catches up
                    } else {
                        for event in events where event.cursor > subscription.position {
                            if subscription.filter.matches(event) { subscription.deliver(id, event) }
                            subscription.position = event.cursor
                        }
                    }
                    subscriptions[id] = subscription
                }
                dispatched = last.cursor
                if events.count < Self.batch { break }
            }
            try replay(db)
        } catch {
            // A failed read leaves positions where they were; the next catch-up retries.
        }
    }

    /// Brings subscriptions that are not live up to `dispatched` from the feed, while the host
    /// keeps up, then makes them live.
    private func replay(_ db: Database) throws {
        var behind = false
        for id in subscriptions.keys {
            guard var subscription = subscriptions[id], !subscription.live, !subscription.waiting else { continue }
            while subscription.canDeliver() {
                if subscription.position >= dispatched {
                    subscription.live = true
                    break
                }
                let events = try db.fetchAll(Row.self, "SELECT * FROM event WHERE cursor > ? AND cursor <= ? ORDER BY cursor LIMIT ?",
                                             [subscription.position, dispatched, Self.batch]).map(Event.init(row:))
                for event in events {
                    if subscription.filter.matches(event) { subscription.deliver(id, event) }
                    subscription.position = event.cursor
                }
                if events.isEmpty { subscription.position = dispatched }
            }
            behind = behind || !subscription.live
            subscriptions[id] = subscription
        }
        if behind {
            // Look again shortly: the host is reading, slowly.
            queue.asyncAfter(deadline: .now() + .milliseconds(20)) { [weak self] in self?.catchUpSoon() }
        }
    }
}

extension StoreConfiguration.Location {
    var filePath: String? {
        if case .file(let path) = self { return path }
        return nil
    }
}
