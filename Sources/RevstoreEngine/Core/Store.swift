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
    /// The event feed's subscribers.
    public let events: EventHub

    public init(_ configuration: StoreConfiguration) throws(EngineError) {
        self.configuration = configuration
        var config = Configuration()
        config.busyMode = .timeout(configuration.busyTimeout)
        config.label = "revstore"
        let synchronous = configuration.durability == .full ? "FULL" : "NORMAL"
        config.prepareDatabase { db in
            try db.run("PRAGMA synchronous = \(synchronous)")
            try db.run("PRAGMA foreign_keys = ON")
        }
        do {
            switch configuration.location {
            case .memory:
                database = try DatabaseQueue(configuration: config)
            case .file(let path):
                database = try Self.openPool(path: path, configuration: config, patience: configuration.busyTimeout)
            }
            try StoreSchema.migrate(database)
        } catch {
            throw EngineError(error)
        }
        let events = EventHub(database: database, location: configuration.location)
        self.events = events
        writes = WriteQueue(database: database) { db in events.catchUp(db) }
    }

    /// Opens the file, waiting out another process that is creating or converting it at the same
    /// moment: switching a new file to WAL answers SQLITE_BUSY at once, without the busy handler.
    private static func openPool(path: String, configuration: Configuration, patience: TimeInterval) throws -> DatabasePool {
        let deadline = Date(timeIntervalSinceNow: patience)
        var pause: UInt32 = 2_000
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && Date() < deadline {
                usleep(pause)
                pause = min(pause * 2, 100_000)
            }
        }
    }

    /// The file path, or `:memory:`.
    public var path: String {
        switch configuration.location {
        case .memory: ":memory:"
        case .file(let path): path
        }
    }

    /// Queues a write behind every write submitted before it; see `WriteQueue`.
    func submitWrite<Value: Sendable>(_ work: @escaping (Database) throws -> Value) -> WriteTicket<Value> {
        writes.submit(work)
    }

    /// Runs `work` in the writer's transaction, in order with the writes, then undoes it: for
    /// reads of a state that exists only while the work runs (reads through a turn).
    func submitScratch<Value: Sendable>(_ work: @escaping (Database) throws -> Value) -> WriteTicket<Value> {
        writes.submit(scratch: true, work)
    }

    /// Runs `work` at a read position: on a snapshot, or through a turn's staged changes.
    func read<Value: Sendable>(at position: ReadPosition, _ work: @escaping @Sendable (Database, ResolvedPosition) throws -> Value) async throws(EngineError) -> Value {
        guard position.turn != nil else {
            return try await read { db in try work(db, try db.resolve(position)) }
        }
        do {
            return try await submitScratch { db in try work(db, try Self.resolveThroughTurn(position, in: db)) }.value()
        } catch {
            throw EngineError(error)
        }
    }

    /// Runs `work` on a consistent snapshot, concurrently with other reads.
    func read<Value: Sendable>(_ work: @escaping @Sendable (Database) throws -> Value) async throws(EngineError) -> Value {
        do {
            return try await database.read(work)
        } catch {
            throw EngineError(error)
        }
    }
}

extension Store {
    /// SQLite's own consistency check of the whole file: an empty list when all is well.
    public func integrityCheck() async throws(EngineError) -> [String] {
        try await read { db in
            try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
        }
    }
}
