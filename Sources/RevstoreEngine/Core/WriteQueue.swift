import Foundation
import GRDB

/// The result of a write, available once its transaction is durable.
public final class WriteTicket<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Value, EngineError>?
    private var callbacks: [@Sendable (Result<Value, EngineError>) -> Void] = []

    init() {}

    func complete(_ outcome: Result<Value, EngineError>) {
        let waiting = lock.withLock {
            result = outcome
            defer { callbacks = [] }
            return callbacks
        }
        for callback in waiting { callback(outcome) }
    }

    /// Calls `callback` with the outcome: at once if it is known, else on the writer's thread
    /// right after the commit, which lets the response go out with no thread hop.
    public func whenDone(_ callback: @escaping @Sendable (Result<Value, EngineError>) -> Void) {
        let ready = lock.withLock { () -> Result<Value, EngineError>? in
            if result == nil { callbacks.append(callback) }
            return result
        }
        if let ready { callback(ready) }
    }

    /// Waits until the write is committed (and synced, with `--durability full`).
    public func value() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            whenDone { continuation.resume(with: $0.mapError { $0 as any Error }) }
        }
    }
}

/// Group commit: writes are queued in submission order and applied by one drain loop, which
/// runs everything queued so far in one transaction, then commits once. Writes that arrive
/// while a commit is syncing form the next group, so under concurrency many commits share one
/// fsync; each still gets its own version and is acknowledged only once durable.
///
/// A write that throws is rolled back alone: the transaction is rolled back and begun again,
/// the writes before it applied once more, and the group goes on after it. Writes seldom fail,
/// and a savepoint around each would cost every write in a group a copy of each page it
/// changes, into the savepoint's journal. A write whose work does more than write the database
/// (a subscription registers itself) must not run twice, so it is a group of its own.
///
/// A write run inline may also take in, just before it commits, the writes that reached its
/// submitter while it ran (`Store.submitting(inline:beforeCommit:)`): a host with two writes
/// in flight, such as a LangGraph saver's checkpoint and pending writes, then pays one commit
/// and one sync for both instead of one each, one after the other.
final class WriteQueue: @unchecked Sendable {
    private struct Pending {
        let apply: (Database) throws -> Void
        let commit: () -> Void
        let fail: (EngineError) -> Void
        /// Whether `apply` may run again after a rollback.
        let repeatable: Bool
    }

    /// The most writes one transaction takes, so one group cannot hold the lock for long.
    private static let maximumGroup = 256

    private let database: any DatabaseWriter
    /// Runs on the writer after each group commits, before any of its writes completes.
    private let afterCommit: (Database) -> Void
    private let lock = NSLock()
    private var pending: [Pending] = []
    private var draining = false
    /// The writer connection's hot statements; used only on the writer.
    private let statements = PreparedStatements()

    init(database: any DatabaseWriter, afterCommit: @escaping (Database) -> Void) {
        self.database = database
        self.afterCommit = afterCommit
    }

    /// How a write runs on the thread that submits it, instead of waking the writer's: set by
    /// `Store.submitting(inline:beforeCommit:)`.
    struct Inline: Sendable {
        /// Called once the group is applied, before it commits: whatever it submits joins the
        /// group's transaction.
        let beforeCommit: (@Sendable () -> Void)?
    }

    /// Set while a write submitted with nothing queued runs on the submitting thread, which
    /// waits for it.
    @TaskLocal static var inline: Inline?

    /// Queues `work`; the ticket completes after the transaction that ran it commits. Work that
    /// does anything besides writing the database is not `repeatable`.
    func submit<Value: Sendable>(repeatable: Bool = true, _ work: @escaping (Database) throws -> Value) -> WriteTicket<Value> {
        let ticket = WriteTicket<Value>()
        var outcome: Value?
        let entry = Pending(
            apply: { db in outcome = try work(db) },
            commit: { ticket.complete(.success(outcome!)) },
            fail: { ticket.complete(.failure($0)) },
            repeatable: repeatable
        )
        let startDrain = lock.withLock {
            pending.append(entry)
            if draining { return false }
            draining = true
            return true
        }
        if startDrain {
            if let inline = Self.inline {
                // The writer's queue runs the drain right here, on this thread, as nothing else holds it.
                database.writeWithoutTransaction { db in drain(db, beforeCommit: inline.beforeCommit) }
            } else {
                database.asyncWriteWithoutTransaction { [self] db in drain(db, beforeCommit: nil) }
            }
        }
        return ticket
    }

    private func drain(_ db: Database, beforeCommit: (@Sendable () -> Void)?) {
        while true {
            let group: [Pending] = lock.withLock {
                let taken = takePending(upTo: Self.maximumGroup)
                if taken.isEmpty { draining = false }
                return taken
            }
            if group.isEmpty { return }
            run(group, db, beforeCommit: beforeCommit)
        }
    }

    /// Removes and returns the next group's writes: those `takeRepeatable` takes or, when the
    /// first queued is not repeatable, that one alone. Call with `lock` held.
    private func takePending(upTo count: Int) -> [Pending] {
        guard let first = pending.first, !first.repeatable else { return takeRepeatable(upTo: count) }
        pending.removeFirst()
        return [first]
    }

    /// Removes and returns the first `count` queued writes, or all of them, up to one that is
    /// not repeatable. Call with `lock` held.
    private func takeRepeatable(upTo count: Int) -> [Pending] {
        let taken = Array(pending.prefix(count).prefix { $0.repeatable })
        pending.removeFirst(taken.count)
        return taken
    }

    private func run(_ first: [Pending], _ db: Database, beforeCommit: (@Sendable () -> Void)?) {
        var group = first
        var failures: [Int: EngineError] = [:]
        do {
            try statements.using(db) {
                try db.run(Self.begin)
                do {
                    try apply(group, group.indices, db, failures: &failures)
                    if let beforeCommit, group.count < Self.maximumGroup, group[0].repeatable {
                        beforeCommit()
                        let joined = lock.withLock { takeRepeatable(upTo: Self.maximumGroup - group.count) }
                        let firstIndex = group.count
                        group += joined
                        try apply(group, firstIndex..<group.count, db, failures: &failures)
                    }
                    try db.run(Self.commit)
                } catch {
                    try? db.run(Self.rollback)
                    throw error
                }
            }
        } catch {
            let failure = EngineError(error)
            for write in group { write.fail(failure) }
            return
        }
        afterCommit(db)
        for (index, write) in group.enumerated() {
            if let failure = failures[index] { write.fail(failure) } else { write.commit() }
        }
    }

    /// Applies the writes of `group` in `range`, skipping those in `failures` and adding those
    /// that throw. After a failure the transaction starts over without it: the writes before it
    /// are applied again (one that now throws too is failed as well, and it starts over again).
    /// A group of one write, or a failure to begin again, throws: the transaction rolls back.
    private func apply(_ group: [Pending], _ range: Range<Int>, _ db: Database, failures: inout [Int: EngineError]) throws {
        for index in range where failures[index] == nil {
            do {
                try group[index].apply(db)
            } catch {
                guard group.count > 1 else { throw error }
                failures[index] = EngineError(error)
                try? db.run(Self.rollback)  // a failed statement may have ended the transaction itself
                try db.run(Self.begin)
                try apply(group, 0..<index, db, failures: &failures)
            }
        }
    }

    // Run as prepared statements: GRDB's transaction helpers prepare theirs anew for every write.
    private static let begin = HotSQL("BEGIN IMMEDIATE")
    private static let commit = HotSQL("COMMIT")
    private static let rollback = HotSQL("ROLLBACK")

    /// Finalizes the writer's prepared statements; call on the writer before the store closes.
    func finalizeStatements() { statements.removeAll() }
}
