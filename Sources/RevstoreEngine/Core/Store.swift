import Foundation
import GRDB

/// A Revstore store: one SQLite database in WAL mode, migrated to the current schema.
///
/// Writes go through a group-commit queue (`submitWrite`); reads run concurrently on their
/// own snapshot (`read`).
public final class Store: Sendable {
    public let configuration: StoreConfiguration
    let database: any DatabaseWriter
    let writes: WriteQueue
    /// Per-thread read connections, for a store file; nil in memory (one connection serves all).
    private let threadReaders: ThreadReaders?
    /// The event feed's subscribers.
    public let events: EventHub

    /// Opens (creating if needed) and migrates the store. A file that this process may read but
    /// not write opens read-only (`isReadOnly`). A store that cannot be opened throws
    /// `STORAGE_ERROR` naming the path and the cause (protocol/README.md §12).
    public init(_ configuration: StoreConfiguration) throws(EngineError) {
        self.configuration = configuration
        var config = Configuration()
        config.busyMode = Self.busyMode(waitingUpTo: configuration.busyTimeout)
        config.label = "revstore"
        config.prepareDatabase { db in
            EntityData.register(on: db)
            guard !db.configuration.readonly else { return }
            try db.run("PRAGMA foreign_keys = ON")
            // Removed data (a deleted session, purged entities, compacted versions) is overwritten,
            // not left readable in free space.
            try db.run("PRAGMA secure_delete = ON")
        }
        switch configuration.location {
        case .memory:
            do {
                database = try DatabaseQueue(configuration: config)
                try StoreSchema.migrate(database)
            } catch {
                throw EngineError(error)
            }
            threadReaders = nil
        case .file(let path):
            WALWriteBuffer.register()
            let pool = try StoreFile(path: path).open(configuration: config, patience: configuration.busyTimeout)
            if !pool.configuration.readonly {
                // Set on the writer once it is open: GRDB sets NORMAL as it switches the file to WAL.
                let synchronous = configuration.durability == .full ? "FULL" : "NORMAL"
                do {
                    try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = \(synchronous)") }
                } catch {
                    throw EngineError(error)
                }
            }
            database = pool
            threadReaders = ThreadReaders(pool: pool)
        }
        let events = EventHub(database: database, location: configuration.location)
        self.events = events
        writes = WriteQueue(database: database) { db in events.catchUp(db) }
    }

    /// Whether the store was opened read-only: reads work, writes fail with `STORAGE_ERROR`.
    public var isReadOnly: Bool { database.configuration.readonly }

    /// Closes every connection, once no request is running. When this process held the store's
    /// last connection, the write-ahead log is checkpointed into the main file and removed, so
    /// the file alone holds every commit (protocol/README.md §12).
    public func close() {
        events.stop()
        threadReaders?.close()
        database.writeWithoutTransaction { _ in writes.finalizeStatements() }
        try? database.close()
        guard case .file(let path) = configuration.location, !isReadOnly else { return }
        // GRDB closes its read-only readers last, and a read-only connection never checkpoints,
        // so one short read-write connection does: on closing, SQLite checkpoints and removes
        // the WAL if no other connection, in any process, still has the file open.
        if let last = try? DatabaseQueue(path: path) {
            _ = try? last.read { try Int.fetchOne($0, sql: "PRAGMA user_version") }
            try? last.close()
        }
    }

    /// The file path, or `:memory:`.
    public var path: String {
        switch configuration.location {
        case .memory: ":memory:"
        case .file(let path): path
        }
    }

    /// Runs `body`, whose writes, when none is queued, apply and commit on the calling thread
    /// before their `submit…` returns (their tickets then complete at once): no hand-off to
    /// the writer's thread, for a caller with nothing else to do meanwhile. `beforeCommit` runs
    /// once they are applied, before they commit: the writes it submits share their commit.
    public static func submitting<Value>(inline: Bool, beforeCommit: (@Sendable () -> Void)? = nil,
                                         _ body: () throws -> Value) rethrows -> Value {
        try WriteQueue.$inline.withValue(inline ? WriteQueue.Inline(beforeCommit: beforeCommit) : nil, operation: body)
    }

    /// Queues a write behind every write submitted before it; see `WriteQueue`.
    func submitWrite<Value: Sendable>(repeatable: Bool = true, _ work: @escaping (Database) throws -> Value) -> WriteTicket<Value> {
        writes.submit(repeatable: repeatable, work)
    }

    /// Runs `work` at a read position: on a snapshot; through a turn, with the turn's staged
    /// changes laid over it (`Overlay`), on a reader like any other read.
    func read<Value>(at position: ReadPosition, _ work: (Database, ResolvedPosition) throws -> Value) throws(EngineError) -> Value {
        guard position.turn != nil else {
            return try onReader { db, positions in
                try work(db, try positions?.resolve(position, in: db) ?? db.resolve(position))
            }
        }
        // Not `read`: that forbids even the temporary views an overlay makes. The transaction
        // keeps the overlay and the data under it one snapshot.
        return try onReader { db, _ in
            let (resolved, overlay) = try Self.turnOverlay(position, in: db)
            return try db.reading(through: overlay) { try work(db, resolved) }
        }
    }

    /// Runs `work` at a position this thread's reader resolved before, in no transaction: `work`
    /// must run a single statement. Nil, and nothing to keep, when there is no such position or
    /// the file changed since (SQLite's data version after the statement says which); the
    /// caller then reads at the position as usual.
    func readRemembered<Value>(at position: ReadPosition, _ work: (Database, ResolvedPosition) throws -> Value?) throws(EngineError) -> Value? {
        guard position.turn == nil, let reader = threadReaders?.current(), let remembered = reader.positions.remembered(position) else { return nil }
        let (watch, timeout) = (ReadWatch.current, configuration.readTimeout)
        do {
            return try reader.read { db in
                try ReadWatch.run(watch, timeout: timeout, on: db) {
                    let value = try work(db, remembered.resolved)
                    return db.dataVersion == remembered.dataVersion ? value : nil
                }
            }
        } catch {
            throw EngineError(error)
        }
    }

    /// Runs `work` on a consistent snapshot, on the calling thread, concurrently with other
    /// reads; the current `ReadWatch` and the read time limit can end it.
    func read<Value>(_ work: (Database) throws -> Value) throws(EngineError) -> Value {
        try onReader { db, _ in try work(db) }
    }

    /// Runs `work` in one snapshot on this thread's reader (the pool's, on a thread without
    /// one, which remembers no positions), under the current `ReadWatch` and the read time limit.
    private func onReader<Value>(_ work: (Database, ResolvedPositions?) throws -> Value) throws(EngineError) -> Value {
        let (watch, timeout) = (ReadWatch.current, configuration.readTimeout)
        func run(_ db: Database, _ positions: ResolvedPositions?) throws -> Value {
            try ReadWatch.run(watch, timeout: timeout, on: db) { try db.inSnapshot { try work(db, positions) } }
        }
        do {
            if let reader = threadReaders?.current() { return try reader.read { try run($0, reader.positions) } }
            return try database.unsafeRead { try run($0, nil) }
        } catch {
            throw EngineError(error)
        }
    }
}

extension Store {
    /// SQLite's own consistency check of the whole file, and every entity version stored as a
    /// delta or with blobs rebuilt whole: an empty list when all is well.
    public func integrityCheck() throws(EngineError) -> [String] {
        try read { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            for row in try Row.fetchAll(db, sql: "SELECT id, version_id FROM entity_version WHERE delta IS NOT NULL OR blobs > 0 ORDER BY id") {
                do {
                    _ = try EntityData.cache.text(rowID: row["id"], versionID: row["version_id"], in: db)
                } catch {
                    problems.append("entity version \(row["version_id"] as String) cannot be rebuilt: \(EngineError(error).message)")
                }
            }
            return problems
        }
    }
}

extension Store {
    /// Waits for another process's write lock with short pauses: 50 µs, doubling up to 1 ms,
    /// until `timeout` has passed. SQLite's own handler pauses 1, 2, 5, 10… ms, far longer than
    /// a commit here holds the lock, so processes sharing a file would spend most of their time
    /// asleep after the lock was free.
    static func busyMode(waitingUpTo timeout: TimeInterval) -> Database.BusyMode {
        let budget = Int(timeout * 1_000_000)
        return .callback { tries in
            let pause = min(50 << min(tries, 5), 1000)
            // What the earlier tries paused: 50 · (2^n − 1) µs for the doubling ones, 1 ms since.
            let waited = tries <= 5 ? 50 * ((1 << tries) - 1) : 1550 + (tries - 5) * 1000
            guard waited < budget else { return false }
            usleep(UInt32(pause))
            return true
        }
    }
}
