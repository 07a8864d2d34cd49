import GRDB
#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

/// Hot-path statements are prepared once per connection and reused: preparing costs more
/// than running most of them.
extension Database {
    /// Runs `work` in one read transaction, so that all it reads is one snapshot; begun and
    /// ended with prepared statements, which costs less than the reads it wraps.
    func inSnapshot<Value>(_ work: () throws -> Value) throws -> Value {
        try run("BEGIN DEFERRED")
        do {
            let value = try work()
            try run("COMMIT")
            return value
        } catch {
            try? run("ROLLBACK")
            throw error
        }
    }

    /// Runs a fixed SQL statement through the statement cache.
    func run(_ sql: String, _ arguments: StatementArguments = []) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    func fetchOne<Value: DatabaseValueConvertible & StatementColumnConvertible>(_ type: Value.Type, _ sql: String, _ arguments: StatementArguments = []) throws -> Value? {
        try Value.fetchOne(try cachedStatement(sql: sql), arguments: arguments)
    }

    func fetchOne<Record: ColumnRecord>(_ type: Record.Type, _ sql: String, _ arguments: StatementArguments = []) throws -> Record? {
        var found: Record?
        try forEachRow(try cachedStatement(sql: sql), arguments) { row in
            found = Record(row)
            return false
        }
        return found
    }

    /// Every row of `sql`; `cached: false` for SQL built per request, which would only crowd
    /// the statement cache.
    func fetchAll<Record: ColumnRecord>(_ type: Record.Type, _ sql: String, _ arguments: StatementArguments = [], cached: Bool = true) throws -> [Record] {
        var found: [Record] = []
        try forEachRow(cached ? try cachedStatement(sql: sql) : try makeStatement(sql: sql), arguments) { row in
            found.append(Record(row))
            return true
        }
        return found
    }

    /// Steps `statement` with `arguments`, handing each row to `body` until it returns false.
    private func forEachRow(_ statement: Statement, _ arguments: StatementArguments, _ body: (ColumnRow) throws -> Bool) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)  // clears a failure left by an earlier use, which binding would report
        statement.setUncheckedArguments(arguments)
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: lastErrorMessage, sql: statement.sql)
            }
            if try !body(ColumnRow(statement: handle)) { return }
        }
    }
}

/// A row type read by column position from a select list of its own (`columns`): no column
/// names are looked up and no `Row` is built, which for a one-row seek costs more than the
/// seek itself.
protocol ColumnRecord {
    init(_ row: ColumnRow)
}

/// The current row of a statement being stepped; column numbers count from `first`, so one
/// row can hold two records side by side.
struct ColumnRow {
    let statement: OpaquePointer
    var first: Int32 = 0

    /// The columns from `column` on, as a row of their own.
    func dropping(_ column: Int32) -> ColumnRow { ColumnRow(statement: statement, first: first + column) }

    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(statement, first + column)) }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, first + column) }
    func bool(_ column: Int32) -> Bool { sqlite3_column_int64(statement, first + column) != 0 }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, first + column) == SQLITE_NULL }
    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    /// Text by its byte length, so a U+0000 inside it is kept.
    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, first + column) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, first + column))), as: UTF8.self)
    }

    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }
}

extension Database {
    func fetchOne(_ type: Row.Type, _ sql: String, _ arguments: StatementArguments = []) throws -> Row? {
        try Row.fetchOne(try cachedStatement(sql: sql), arguments: arguments)
    }

    func fetchAll(_ type: Row.Type, _ sql: String, _ arguments: StatementArguments = []) throws -> [Row] {
        try Row.fetchAll(try cachedStatement(sql: sql), arguments: arguments)
    }
}
