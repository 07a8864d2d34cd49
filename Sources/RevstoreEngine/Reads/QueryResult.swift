import GRDB
#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

/// What a query found, handed to the closure of `Store.query(at:_:_:)`.
public struct QueryResult: Sendable {
    /// The session version the query read at.
    public var version: Int
    /// How many entities match in all, when the query asked for a count.
    public var total: Int?
    public var entities: EntityRows
}

/// The entities a query found, read from SQLite one at a time as they are iterated.
///
/// Valid only inside the `query` closure that receives them, and iterated once. A failure while
/// reading (a cancelled read, a damaged row) ends the iteration early; `query` then throws it.
public final class EntityRows: Sequence, IteratorProtocol, @unchecked Sendable {
    private enum Source {
        case statement(Statement, Database, branchNames: [Int64: String])
        case entities(IndexingIterator<[Entity]>)
        case finished
    }

    private var source: Source
    private var failure: (any Error)?

    init(_ statement: Statement, in db: Database, branchNames: [Int64: String]) {
        source = .statement(statement, db, branchNames: branchNames)
    }

    init(_ entities: [Entity]) {
        source = .entities(entities.makeIterator())
    }

    public func next() -> Entity? {
        switch source {
        case .statement(let statement, let db, let branchNames):
            let handle = statement.sqliteStatement
            let code = sqlite3_step(handle)
            if code == SQLITE_ROW { return EntityVersionRow(ColumnRow(statement: handle)).entity(branchNames: branchNames) }
            if code != SQLITE_DONE {
                failure = DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
            }
            source = .finished
            return nil
        case .entities(var iterator):
            let entity = iterator.next()
            source = entity == nil ? .finished : .entities(iterator)
            return entity
        case .finished:
            return nil
        }
    }

    /// Throws the failure that ended the iteration, if one did.
    func finish() throws {
        if case .statement(let statement, _, _) = source { sqlite3_reset(statement.sqliteStatement) }
        source = .finished
        if let failure { throw failure }
    }
}
