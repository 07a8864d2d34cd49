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
