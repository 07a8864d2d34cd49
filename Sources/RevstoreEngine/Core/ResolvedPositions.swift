import GRDB
import RevstoreJSON
#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

/// The read positions one connection resolved lately, each with the data version of the
/// snapshot it was resolved in.
///
/// SQLite's data version changes whenever the file changes, by any connection in any process.
/// A later read whose snapshot shows the same data version sees the same sessions, branches,
/// tags and versions, so it may use the remembered position instead of resolving it again: a
/// single-entity read is then one statement, with no transaction around it (`Store.entity`).
/// Touched only by the thread that owns the connection.
final class ResolvedPositions: @unchecked Sendable {
    /// A position by code point: two names Swift finds canonically equal are two sessions.
    private struct Key: Hashable {
        var session: CodePointString
        var branch: CodePointString?
        var version: Int?
        var tag: CodePointString?

        init(_ position: ReadPosition) {
            session = CodePointString(position.session)
            branch = position.branch.map { CodePointString($0) }
            switch position.at {
            case .version(let number)?: version = number
            case .tag(let name)?: tag = CodePointString(name)
            case nil: break
            }
        }
    }

    /// Enough for the positions a host reads over and over; past it, the oldest half goes.
    private static let capacity = 256
    private var entries: [Key: (dataVersion: UInt32, resolved: ResolvedPosition)] = [:]
    private var order: [Key] = []

    /// Resolves `position` in the snapshot `db` is reading, and remembers it.
    func resolve(_ position: ReadPosition, in db: Database) throws -> ResolvedPosition {
        let resolved = try db.resolve(position)
        let key = Key(position)
        if entries.updateValue((db.dataVersion, resolved), forKey: key) == nil {
            order.append(key)
            if order.count > Self.capacity {
                for old in order.prefix(Self.capacity / 2) { entries[old] = nil }
                order.removeFirst(Self.capacity / 2)
            }
        }
        return resolved
    }

    /// `position` as last resolved, and the data version it was resolved at.
    func remembered(_ position: ReadPosition) -> (dataVersion: UInt32, resolved: ResolvedPosition)? {
        entries[Key(position)]
    }
}

extension Database {
    /// SQLite's count of changes to the main file as of this connection's latest read
    /// transaction (`SQLITE_FCNTL_DATA_VERSION`): read during or right after a statement, it
    /// names the snapshot that statement saw.
    var dataVersion: UInt32 {
        var version: UInt32 = 0
        sqlite3_file_control(sqliteConnection, "main", SQLITE_FCNTL_DATA_VERSION, &version)
        return version
    }
}
