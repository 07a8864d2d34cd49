import GRDB

/// Hot-path statements are prepared once per connection and reused: preparing costs more
/// than running most of them.
extension Database {
    /// Runs a fixed SQL statement through the statement cache.
    func run(_ sql: String, _ arguments: StatementArguments = []) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    func fetchOne<Value: DatabaseValueConvertible & StatementColumnConvertible>(_ type: Value.Type, _ sql: String, _ arguments: StatementArguments = []) throws -> Value? {
        try Value.fetchOne(try cachedStatement(sql: sql), arguments: arguments)
    }

    func fetchOne<Record: FetchableRecord>(_ type: Record.Type, _ sql: String, _ arguments: StatementArguments = []) throws -> Record? {
        try Record.fetchOne(try cachedStatement(sql: sql), arguments: arguments)
    }

    func fetchAll<Record: FetchableRecord>(_ type: Record.Type, _ sql: String, _ arguments: StatementArguments = []) throws -> [Record] {
        try Record.fetchAll(try cachedStatement(sql: sql), arguments: arguments)
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
