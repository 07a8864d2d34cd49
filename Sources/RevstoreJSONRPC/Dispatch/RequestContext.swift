/// What a handler knows about the message it is serving, and how it reaches its connection.
public struct RequestContext: Sendable {
    /// The request id; nil for a notification.
    public let id: RequestID?
    public let method: String
    public let connection: Connection
}
