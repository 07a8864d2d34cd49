import Foundation
import GRDB

/// Read connections bound to the threads that read: a thread's first read opens one, and its
/// later reads run on it directly, on the calling thread, with no pool to draw from and no
/// queue to wait on. A server's read threads live as long as it does, so each keeps one
/// connection warm (its statement cache and page cache included).
///
/// Only the first `maximumThreads` threads get one; reads on any other thread use the pool.
final class ThreadReaders: @unchecked Sendable {
    static let maximumThreads = 8

    private let path: String
    private let configuration: Configuration
    private let lock = NSLock()
    private var readers: [pthread_t: DatabaseQueue] = [:]
    private var closed = false

    init(pool: DatabasePool) {
        path = pool.path
        var configuration = pool.configuration
        configuration.readonly = true
        configuration.label = (configuration.label ?? "revstore") + ".thread-reader"
        self.configuration = configuration
    }

    /// This thread's connection, opened on first use; nil when it may not have one.
    func current() -> DatabaseQueue? {
        let thread = pthread_self()
        let found: DatabaseQueue?? = lock.withLock {
            if let reader = readers[thread] { return .some(reader) }
            return closed || readers.count >= Self.maximumThreads ? .some(nil) : nil
        }
        if let found { return found }
        guard let reader = try? DatabaseQueue(path: path, configuration: configuration) else { return nil }
        return lock.withLock {
            guard !closed else { return nil }
            readers[thread] = reader
            return reader
        }
    }

    /// Closes every connection; later reads use the pool (which is closed too by then).
    func close() {
        let all = lock.withLock {
            closed = true
            defer { readers = [:] }
            return Array(readers.values)
        }
        for reader in all { try? reader.close() }
    }
}
