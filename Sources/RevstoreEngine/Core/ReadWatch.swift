import Foundation
import GRDB
#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

/// Ends a read that was cancelled or ran past the store's read time limit.
///
/// A read runs on its caller's thread. While it holds a connection, SQLite's progress handler
/// asks the watch every few thousand virtual-machine steps whether to go on; answering no
/// interrupts the statement, which then fails with `SQLITE_INTERRUPT`.
public final class ReadWatch: Sendable {
    /// The watch for reads run by the current request: a server binds it around each request
    /// (`ReadWatch.$current.withValue(watch) { … }`); nil means nothing cancels the read.
    @TaskLocal public static var current: ReadWatch?

    private let isCancelled: @Sendable () -> Bool
    private let mustFinish: @Sendable () -> Bool

    /// `isCancelled` is asked at every check; once `mustFinish` says yes (the read's result is
    /// partly sent, say), neither cancellation nor the time limit ends the read any more.
    public init(isCancelled: @escaping @Sendable () -> Bool, mustFinish: @escaping @Sendable () -> Bool = { false }) {
        self.isCancelled = isCancelled
        self.mustFinish = mustFinish
    }

    /// How many virtual-machine steps pass between two checks: small enough that a check
    /// comes every few microseconds, large enough that an index seek never makes one.
    private static let stepsPerCheck: Int32 = 4000

    /// Runs `work` on `db` under `watch` (if any) and `timeout` (if any); an interrupted read
    /// throws `EngineError.cancelled` or `.readTimedOut`.
    static func run<Value>(_ watch: ReadWatch?, timeout: TimeInterval?, on db: Database, _ work: () throws -> Value) throws -> Value {
        guard watch != nil || timeout != nil else { return try work() }
        let state = Progress(watch: watch, deadline: timeout.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) })
        let connection = db.sqliteConnection
        let context = Unmanaged.passRetained(state)
        sqlite3_progress_handler(connection, stepsPerCheck, { context in
            Unmanaged<Progress>.fromOpaque(context!).takeUnretainedValue().shouldStop() ? 1 : 0
        }, context.toOpaque())
        defer {
            sqlite3_progress_handler(connection, 0, nil, nil)
            context.release()
        }
        do {
            return try work()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
            throw state.timedOut ? EngineError.readTimedOut(timeout!) : EngineError.cancelled
        }
    }

    private final class Progress {
        let watch: ReadWatch?
        let deadline: ContinuousClock.Instant?
        var timedOut = false

        init(watch: ReadWatch?, deadline: ContinuousClock.Instant?) {
            self.watch = watch
            self.deadline = deadline
        }

        func shouldStop() -> Bool {
            let cancelled = watch?.isCancelled() == true
            if watch?.mustFinish() == true { return false }
            if cancelled { return true }
            if let deadline, ContinuousClock.now >= deadline {
                timedOut = true
                return true
            }
            return false
        }
    }
}
