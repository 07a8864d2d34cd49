import Foundation

/// What a handler knows about the message it is serving, and how it reaches its connection.
public struct RequestContext: Sendable {
    /// The request id; nil for a notification.
    public let id: RequestID?
    public let method: String
    public let connection: Connection
    /// Set once the client cancels this request (`$/cancelRequest`); a long handler checks it.
    public let cancellation: Cancellation
}

/// Whether a request was cancelled: set from the reader thread, read from the handler's.
public final class Cancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    public var isCancelled: Bool { lock.withLock { cancelled } }

    func cancel() { lock.withLock { cancelled = true } }

    /// Never cancelled: for requests that cannot be (notifications, immediate handlers).
    static let never = Cancellation()
}
