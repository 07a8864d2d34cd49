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
