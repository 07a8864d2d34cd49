import Foundation
import GRDB

/// A Revstore store: one SQLite database in WAL mode, migrated to the current schema.
public final class Store: Sendable {
    public let configuration: StoreConfiguration
    let database: any DatabaseWriter

    public init(_ configuration: StoreConfiguration) throws(StoreError) {
        self.configuration = configuration
        var config = Configuration()
        config.busyMode = .timeout(configuration.busyTimeout)
        config.label = "revstore"
        let synchronous = configuration.durability == .full ? "FULL" : "NORMAL"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            switch configuration.location {
            case .memory:
                database = try DatabaseQueue(configuration: config)
            case .file(let path):
                database = try DatabasePool(path: path, configuration: config)
            }
            try StoreSchema.migrate(database)
        } catch {
            throw StoreError(error)
        }
    }

    /// The file path, or `:memory:`.
    public var path: String {
        switch configuration.location {
        case .memory: ":memory:"
        case .file(let path): path
        }
    }
}
