/// A JSON-RPC method: the type is its params, decoded once from the request.
///
/// ```swift
/// struct PingRequest: RPCMethod {
///     static let method = "ping"
///     typealias Response = EmptyObject
/// }
/// ```
public protocol RPCMethod: Decodable, Sendable {
    associatedtype Response: Encodable & Sendable
    static var method: String { get }
}

/// The `{}` result.
public struct EmptyObject: Codable, Sendable, Equatable {
    public init() {}
}

/// How the connection runs a method's handler.
public enum Scheduling: Sendable {
    /// Runs on the reader thread as soon as the message is read. For cheap, non-blocking work.
    case immediate
    /// A read: runs concurrently with other reads, after every ordered request received
    /// before it has completed, so it observes them. Can be cancelled.
    case concurrent
    /// A write: its handler is entered on the reader thread in arrival order and must only
    /// enqueue work there; it returns the wait for that work's result.
    case ordered
}
