import RevstoreJSON

/// A JSON-RPC method: the type is its params, decoded once from the request; its `Response`
/// writes itself into the reply.
///
/// ```swift
/// struct PingRequest: RPCMethod {
///     static let method = "ping"
///     typealias Response = EmptyObject
/// }
/// ```
public protocol RPCMethod: Decodable, Sendable {
    associatedtype Response: JSONWritable
    static var method: String { get }
}

/// The `{}` result.
public struct EmptyObject: Codable, Sendable, Equatable, JSONWritable {
    public init() {}

    public func write(to writer: inout JSONWriter) { writer.appendASCII("{}") }
}

/// The `null` result.
public struct NullResult: Sendable, Equatable, JSONWritable {
    public init() {}

    public func write(to writer: inout JSONWriter) { writer.appendASCII("null") }
}
