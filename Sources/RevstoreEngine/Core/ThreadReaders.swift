import Foundation
import GRDB

/// Read connections bound to the threads that read: a thread's first read opens one, and its
/// later reads run on it directly, on the calling thread, with no pool to draw from and no
/// queue to wait on. A server's read threads live as long as it does, so each keeps one
/// connection warm (its statement cache and page cache included).
///
/// Only the first `maximumThreads` threads get one; reads on any other thread use the pool.
final class ThreadReaders: @unchecked Sendable {
    /// Room for every thread a server reads on: the input threads (the first, and one more per
    /// read running long, up to four) and the four read threads.
    static let maximumThreads = 12

    private let path: String
    private let configuration: Configuration
    private let lock = NSLock()
    /// By thread. Not in thread-local storage: a thread-local's destructor runs as the thread
    /// ends, too late to close a connection safely.
    private var readers: [pthread_t: ThreadReader] = [:]
    private var closed = false

    init(pool: DatabasePool) {
        path = pool.path
        var configuration = pool.configuration
        configuration.readonly = true
        configuration.label = (configuration.label ?? "revstore") + ".thread-reader"
        self.configuration = configuration
    }

    /// This thread's connection, opened on first use; nil when it may not have one.
    func current() -> ThreadReader? {
        let thread = pthread_self()
        let found: ThreadReader?? = lock.withLock {
            if let reader = readers[thread] { return .some(reader) }
            return closed || readers.count >= Self.maximumThreads ? .some(nil) : nil
        }
        if let found { return found }
        guard let queue = try? DatabaseQueue(path: path, configuration: configuration) else { return nil }
        let reader = ThreadReader(queue: queue)
        let kept: Bool = lock.withLock {
            guard !closed else { return false }
            readers[thread] = reader
            return true
        }
        guard kept else {
            try? queue.close()
            return nil
        }
        return reader
    }

    /// Closes every connection; later reads use the pool (which is closed too by then).
    func close() {
        let all = lock.withLock {
            closed = true
            defer { readers = [:] }
            return Array(readers.values)
        }
        for reader in all { reader.close() }
    }
}

/// One thread's read connection, the hot statements prepared on it and the positions it
/// resolved.
final class ThreadReader: @unchecked Sendable {
    let queue: DatabaseQueue
    let positions = ResolvedPositions()
    private let statements = PreparedStatements()

    init(queue: DatabaseQueue) {
        self.queue = queue
    }

    /// Runs `work` on this connection, where `Database.statement(_:)` finds its hot statements.
    func read<Value>(_ work: (Database) throws -> Value) throws -> Value {
        try queue.unsafeRead { db in try statements.using(db) { try work(db) } }
    }

    /// Finalizes the statements, then closes the connection: SQLite closes a connection only
    /// once none of its statements is left.
    fileprivate func close() {
        queue.inDatabase { _ in statements.removeAll() }
        try? queue.close()
    }
}

/// The hot statements (`HotSQL`) prepared on one connection, found by number. Whoever runs
/// work on the connection brackets it with `using`, so `Database.statement(_:)` finds them;
/// they must be removed before the connection closes.
final class PreparedStatements: @unchecked Sendable {
    /// Touched only by the thread inside `using`, and by `removeAll` once work is over.
    private var statements: [Statement?] = []
    private var database: ObjectIdentifier?

    func using<Value>(_ db: Database, _ work: () throws -> Value) rethrows -> Value {
        database = ObjectIdentifier(db)
        let outer = pthread_getspecific(Self.currentKey)
        pthread_setspecific(Self.currentKey, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(Self.currentKey, outer) }
        return try work()
    }

    /// The statements of the work running on the calling thread, if any.
    static var current: PreparedStatements? {
        pthread_getspecific(currentKey).map { Unmanaged<PreparedStatements>.fromOpaque($0).takeUnretainedValue() }
    }

    private static let currentKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The prepared `sql` if `db` is this holder's connection; nil for any other connection.
    func statement(_ sql: HotSQL, on db: Database) throws -> Statement? {
        guard database == ObjectIdentifier(db) else { return nil }
        if sql.slot < statements.count, let statement = statements[sql.slot] { return statement }
        let statement = try db.makeStatement(sql: sql.text)
        if sql.slot >= statements.count { statements += Array(repeating: nil, count: sql.slot + 1 - statements.count) }
        statements[sql.slot] = statement
        return statement
    }

    func removeAll() { statements = [] }
}
