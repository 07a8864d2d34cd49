import Foundation
import GRDB
#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

/// SQL on the hot read path, numbered once: a thread's reader keeps its prepared statement at
/// that number, found without hashing the text (which, for a long select list, costs more
/// than the seek the statement makes).
struct HotSQL: Sendable {
    let text: String
    let slot: Int

    init(_ text: String) {
        self.text = text
        slot = Self.numbered.withLock { count in
            defer { count += 1 }
            return count
        }
    }

    private static let numbered = LockedCounter()
}

/// A count behind a lock, for numbering `HotSQL`s as they are first used.
private final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func withLock<Result>(_ body: (inout Int) -> Result) -> Result {
        lock.withLock { body(&count) }
    }
}

/// A value bound to a statement parameter straight through `sqlite3_bind_*`, with no
/// `DatabaseValue` made in between.
protocol SQLArgument {
    func bind(to statement: OpaquePointer, at index: Int32)
}

extension Int: SQLArgument {
    func bind(to statement: OpaquePointer, at index: Int32) { sqlite3_bind_int64(statement, index, Int64(self)) }
}

extension Bool: SQLArgument {
    func bind(to statement: OpaquePointer, at index: Int32) { sqlite3_bind_int64(statement, index, self ? 1 : 0) }
}

extension Int64: SQLArgument {
    func bind(to statement: OpaquePointer, at index: Int32) { sqlite3_bind_int64(statement, index, self) }
}

extension Data: SQLArgument {
    func bind(to statement: OpaquePointer, at index: Int32) {
        _ = withUnsafeBytes { bytes in
            sqlite3_bind_blob(statement, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(bytes.count), sqliteTransient)
        }
    }
}

extension String: SQLArgument {
    func bind(to statement: OpaquePointer, at index: Int32) {
        var text = self
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                guard let start = chars.baseAddress else { return }
                sqlite3_bind_text(statement, index, start, Int32(chars.count), sqliteTransient)
            }
            if bytes.isEmpty { sqlite3_bind_text(statement, index, "", 0, nil) }
        }
    }
}

extension Optional: SQLArgument where Wrapped: SQLArgument {
    func bind(to statement: OpaquePointer, at index: Int32) {
        if let self { self.bind(to: statement, at: index) } else { sqlite3_bind_null(statement, index) }
    }
}

/// Tells SQLite to copy bound text: the Swift buffer lives only during the call.
private let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// Hot-path statements are prepared once per connection and reused: preparing costs more
/// than running most of them.
extension Database {
    /// Runs `work` in one read transaction, so that all it reads is one snapshot; begun and
    /// ended with prepared statements, which costs less than the reads it wraps.
    func inSnapshot<Value>(_ work: () throws -> Value) throws -> Value {
        try run(Self.begin)
        do {
            let value = try work()
            try run(Self.commit)
            return value
        } catch {
            try? run(Self.rollback)
            throw error
        }
    }

    private static let begin = HotSQL("BEGIN DEFERRED")
    private static let commit = HotSQL("COMMIT")
    private static let rollback = HotSQL("ROLLBACK")

    /// Runs a fixed SQL statement through the statement cache.
    func run(_ sql: String, _ arguments: StatementArguments = []) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// `sql` prepared: from the `PreparedStatements` of the work running on this thread,
    /// else from the connection's statement cache.
    func statement(_ sql: HotSQL) throws -> Statement {
        if let prepared = PreparedStatements.current, let statement = try prepared.statement(sql, on: self) { return statement }
        return try cachedStatement(sql: sql.text)
    }

    /// Runs `sql` with `arguments`, bound straight to the statement.
    func run(_ sql: HotSQL, _ arguments: [any SQLArgument] = []) throws {
        try forEachRow(try statement(sql), bind: { handle in Self.bind(arguments, to: handle) }) { _ in false }
    }

    private static func bind(_ arguments: [any SQLArgument], to handle: OpaquePointer) {
        for (index, argument) in arguments.enumerated() { argument.bind(to: handle, at: Int32(index + 1)) }
    }

    func fetchOne<Value: DatabaseValueConvertible & StatementColumnConvertible>(_ type: Value.Type, _ sql: String, _ arguments: StatementArguments = []) throws -> Value? {
        try Value.fetchOne(try cachedStatement(sql: sql), arguments: arguments)
    }

    func fetchOne<Record: ColumnRecord>(_ type: Record.Type, _ sql: String, _ arguments: [any SQLArgument] = []) throws -> Record? {
        try fetchOne(type, try cachedStatement(sql: sql), arguments)
    }

    func fetchOne<Record: ColumnRecord>(_ type: Record.Type, _ sql: HotSQL, _ arguments: [any SQLArgument] = []) throws -> Record? {
        try fetchOne(type, try statement(sql), arguments)
    }

    /// The first column of the first row, as an integer; nil without a row.
    func fetchInteger(_ sql: HotSQL, _ arguments: [any SQLArgument]) throws -> Int? {
        var found: Int?
        try forEachRow(try statement(sql), bind: { handle in Self.bind(arguments, to: handle) }) { row in
            found = row.int(0)
            return false
        }
        return found
    }

    private func fetchOne<Record: ColumnRecord>(_ type: Record.Type, _ statement: Statement, _ arguments: [any SQLArgument]) throws -> Record? {
        var found: Record?
        try forEachRow(statement, bind: { handle in Self.bind(arguments, to: handle) }) { row in
            found = Record(row)
            return false
        }
        return found
    }

    /// Every row of `sql`; `cached: false` for SQL built per request, which would only crowd
    /// the statement cache.
    func fetchAll<Record: ColumnRecord>(_ type: Record.Type, _ sql: String, _ arguments: StatementArguments = [], cached: Bool = true) throws -> [Record] {
        let statement = cached ? try cachedStatement(sql: sql) : try makeStatement(sql: sql)
        var found: [Record] = []
        try forEachRow(statement, bind: { _ in statement.setUncheckedArguments(arguments) }) { row in
            found.append(Record(row))
            return true
        }
        return found
    }

    /// Steps `statement` once `bind` has bound its parameters, handing each row to `body`
    /// until it returns false.
    private func forEachRow(_ statement: Statement, bind: (OpaquePointer) -> Void, _ body: (ColumnRow) throws -> Bool) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)  // clears a failure left by an earlier use, which binding would report
        bind(handle)
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

    func blob(_ column: Int32) -> Data {
        guard let bytes = sqlite3_column_blob(statement, first + column) else { return Data() }
        return Data(bytes: bytes, count: Int(sqlite3_column_bytes(statement, first + column)))
    }
}

extension Database {
    func fetchOne(_ type: Row.Type, _ sql: String, _ arguments: StatementArguments = []) throws -> Row? {
        try Row.fetchOne(try cachedStatement(sql: sql), arguments: arguments)
    }

    func fetchAll(_ type: Row.Type, _ sql: String, _ arguments: StatementArguments = []) throws -> [Row] {
        try Row.fetchAll(try cachedStatement(sql: sql), arguments: arguments)
    }
}
