import Foundation
import GRDB
import GRDBSQLite
@testable import RevstoreEngine
import RevstoreJSON
import Testing

@Suite("group commit")
struct GroupCommitTests {
    @Test("writes submitted just before an inline write commits share its transaction, each with its own version; those that fail are rolled back alone")
    func writesJoinAnInlineCommit() async throws {
        let fixture = try await Fixture()
        let transactions = CommitCounter()
        try await fixture.store.database.writeWithoutTransaction { transactions.count(on: $0) }
        @Sendable func request(_ id: String, ifVersion: Int? = nil) -> CommitRequest {
            CommitRequest(session: fixture.session, branch: nil, operations: [fixture.put("Note", id, ["id": .string(id)], ifVersion: ifVersion)],
                          expectedVersion: nil, message: nil, actor: nil, allowEmpty: false)
        }

        // Alone, an inline write is one transaction.
        let alone = try await Store.submitting(inline: true) { fixture.store.submitCommit(request("a")) }.value()
        #expect(transactions.count == 1)

        let joined = Tickets()
        let first = Store.submitting(inline: true, beforeCommit: {
            joined.add(fixture.store.submitCommit(request("b")))
            joined.add(fixture.store.submitCommit(request("c", ifVersion: 7)))  // conflicts: c does not exist
            joined.add(fixture.store.submitCommit(request("d")))
            joined.add(fixture.store.submitCommit(request("f", ifVersion: 9)))  // and the last one
        }) {
            fixture.store.submitCommit(request("e"))
        }
        let outcomes = joined.all
        try #require(outcomes.count == 4)
        let versions = [try await first.value().version, try await outcomes[0].value().version, try await outcomes[2].value().version]
        #expect(versions == [alone.version + 1, alone.version + 2, alone.version + 3])
        #expect(transactions.count == 2)
        await expectError(.conflict) { _ = try await outcomes[1].value() }
        await expectError(.conflict) { _ = try await outcomes[3].value() }

        #expect(try await fixture.all("Note", at: versions[0]).map(\.id) == ["a", "e"])
        #expect(try await fixture.all("Note", at: versions[1]).map(\.id) == ["a", "b", "e"])
        #expect(try await fixture.all("Note").map(\.id) == ["a", "b", "d", "e"])
    }
}

extension GroupCommitTests {
    @Test("a subscription, which registers itself as it runs, is a group of its own: a write failing after it cannot run it twice")
    func subscriptionsRunOnce() async throws {
        let fixture = try await Fixture()
        let deliveries = Deliveries()
        @Sendable func request(_ id: String, ifVersion: Int? = nil) -> CommitRequest {
            CommitRequest(session: fixture.session, branch: nil, operations: [fixture.put("Note", id, ["id": .string(id)], ifVersion: ifVersion)],
                          expectedVersion: nil, message: nil, actor: nil, allowEmpty: false)
        }
        let subscribed = Subscribed()
        let first = Store.submitting(inline: true, beforeCommit: {
            // Called before each group the inline drain commits: submit once.
            guard subscribed.ticket == nil else { return }
            subscribed.ticket = fixture.store.submitSubscribe(EventFilter(session: fixture.session), since: nil) { deliveries.add($0, $1.version) }
            subscribed.conflict = fixture.store.submitCommit(request("b", ifVersion: 7))  // fails after it
            _ = fixture.store.submitCommit(request("c"))
        }) {
            fixture.store.submitCommit(request("a"))
        }
        let a = try await first.value().version
        let subscription = try await subscribed.ticket!.value()
        await expectError(.conflict) { _ = try await subscribed.conflict!.value() }
        fixture.store.events.activate(subscription.id)
        let d = try await fixture.store.submitCommit(request("d")).value().version
        for _ in 0..<200 where deliveries.all.last?.version != d { try await Task.sleep(for: .milliseconds(10)) }
        #expect(deliveries.all.map(\.subscription) == [String](repeating: subscription.id, count: 2))
        #expect(deliveries.all.map(\.version) == [a + 1, d])
        #expect(try await fixture.all("Note").map(\.id) == ["a", "c", "d"])
        // Run twice, it would have left a second registration behind.
        #expect(fixture.store.events.unsubscribe(subscription.id))
        #expect(!fixture.store.events.hasSubscriptions)
    }
}

private final class Subscribed: @unchecked Sendable {
    var ticket: WriteTicket<SubscriptionTicket>?
    var conflict: WriteTicket<CommitResult>?
}

private final class Deliveries: @unchecked Sendable {
    private let lock = NSLock()
    private var delivered: [(subscription: String, version: Int?)] = []
    func add(_ subscription: String, _ version: Int?) { lock.withLock { delivered.append((subscription, version)) } }
    var all: [(subscription: String, version: Int?)] { lock.withLock { delivered } }
}

/// Counts the transactions a connection commits, by SQLite's commit hook.
private final class CommitCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var commits = 0
    var count: Int { lock.withLock { commits } }

    func count(on db: Database) {
        sqlite3_commit_hook(db.sqliteConnection, { context in
            let counter = Unmanaged<CommitCounter>.fromOpaque(context!).takeUnretainedValue()
            counter.lock.withLock { counter.commits += 1 }
            return 0
        }, Unmanaged.passUnretained(self).toOpaque())
    }
}

private final class Tickets: @unchecked Sendable {
    private let lock = NSLock()
    private var tickets: [WriteTicket<CommitResult>] = []
    func add(_ ticket: WriteTicket<CommitResult>) { lock.withLock { tickets.append(ticket) } }
    var all: [WriteTicket<CommitResult>] { lock.withLock { tickets } }
}
