import Foundation
import RevstoreJSON

/// What a handler knows about the message it is serving, and how it reaches its connection.
public struct RequestContext: Sendable {
    /// The request id; nil for a notification.
    public let id: RequestID?
    public let method: String
    public let connection: Connection
    /// Set once the client cancels this request (`$/cancelRequest`); a long handler checks it.
    public let cancellation: Cancellation
    /// How a read writes a large result while producing it; nil for other requests.
    public var resultStream: ResultStream? = nil
    /// Whether more input arrived with this request and waits to be read (or it is part of a
    /// batch): a handler then leaves lengthy work to other threads rather than keep the input
    /// thread from it.
    public var inputWaiting = true
    /// For an ordered request dispatched alone from the input thread, whose work runs there:
    /// reads the input that has arrived meanwhile, without waiting, and dispatches the
    /// groupable ordered requests at its head, so that their work can join this one's. Nil
    /// when input is not this thread's to read.
    public var takeArrivedRequests: (@Sendable () -> Void)? = nil

    /// Returns `result` to send as the response; a read's is written out here, in parts
    /// when it is large (`ResultStream`).
    public func respond<Result: JSONWritable>(_ result: Result) -> Result {
        resultStream?.respond(result) ?? result
    }
}

/// Whether a request was cancelled: set from the reader thread, read from the handler's.
///
/// A long handler polls `isCancelled` as it goes, so the poll also tells the connection that
/// a request is still running: one that runs on the input thread gets input moved elsewhere
/// once it has run long (`whenRunningLong`).
public final class Cancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var longRun: (deadline: ContinuousClock.Instant, action: @Sendable () -> Void)?
    /// Whether the connection can find it by id; set under the connection's lock, before the
    /// request runs or on the thread that runs it.
    var isRegistered = false

    public init() {}

    public var isCancelled: Bool {
        lock.lock()
        let result = cancelled
        var action: (@Sendable () -> Void)?
        if let longRun, ContinuousClock.now >= longRun.deadline {
            action = longRun.action
            self.longRun = nil
        }
        lock.unlock()
        action?()
        return result
    }

    func cancel() { lock.withLock { cancelled = true } }

    /// Calls `action` once, from the first poll made `duration` from now or later.
    func whenRunningLong(after duration: Duration, _ action: @escaping @Sendable () -> Void) {
        let deadline = ContinuousClock.now + duration
        lock.withLock { longRun = (deadline, action) }
    }

    /// The request is known to be long (its result leaves in parts): what `whenRunningLong`
    /// set up runs now.
    func runLongNow() {
        let action = lock.withLock {
            defer { longRun = nil }
            return longRun?.action
        }
        action?()
    }

    /// The request finished: a late poll calls nothing.
    func finishedRunning() { lock.withLock { longRun = nil } }

    /// Never cancelled: for requests that cannot be (notifications, immediate handlers).
    static let never = Cancellation()
}
