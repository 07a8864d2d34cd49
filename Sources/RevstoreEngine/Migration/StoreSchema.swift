import GRDB

/// The store's schema, as append-only migrations: never edit a registered migration, add one.
enum StoreSchema {
    /// Migrates `database`, tolerating another process migrating the same file at the same
    /// moment: the loser of that race fails its attempt, then finds the work done.
    static func migrate(_ database: any DatabaseWriter) throws {
        var attempt = 0
        while true {
            do {
                return try migrator.migrate(database)
            } catch {
                attempt += 1
                if attempt >= 5 { throw error }
            }
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: store metadata") { db in
            try db.create(table: "store_meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.execute(sql: "INSERT INTO store_meta(key, value) VALUES ('format', '1')")
        }
        return migrator
    }
}
