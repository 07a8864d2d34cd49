import RevstoreJSON

/// The methods a connection serves, keyed by name.
///
/// Typed registrations decode params once into the method's type; a `DecodingError` becomes
/// `-32602` with the coding path in `data.path`.
public struct MethodRegistry: Sendable {
    /// A type-erased handler, by how the connection runs it:
    /// - `immediate`: on the reader thread as soon as the message is read; for cheap,
    ///   non-blocking work.
    /// - `concurrent`: a read. Runs concurrently with other reads, after every ordered request
    ///   received before it has completed, so it observes them. Can be cancelled.
    /// - `ordered`: a write. Entered on the reader thread in arrival order, where it must only
    ///   enqueue its work; it returns that work's deferred result.
    enum Handler: Sendable {
        case immediate(@Sendable (JSONValue?, RequestContext) throws -> JSONValue)
        case concurrent(@Sendable (JSONValue?, RequestContext) async throws -> JSONValue)
        case ordered(@Sendable (JSONValue?, RequestContext) throws -> Deferred<JSONValue>)
    }

    private(set) var handlers: [String: Handler] = [:]
    /// Checks every typed method's params before they are decoded (set it before registering);
    /// throw an `RPCError` to refuse them.
    public var checkParams: @Sendable (JSONValue?) throws -> Void = { _ in }

    public init() {}

    /// Every registered method name, sorted.
    public var methodNames: [String] { handlers.keys.sorted() }

    func handler(for method: String) -> Handler? { handlers[method] }

    // MARK: Untyped

    public mutating func registerImmediate(_ method: String, _ body: @escaping @Sendable (JSONValue?, RequestContext) throws -> JSONValue) {
        add(method, .immediate(body))
    }

    public mutating func registerConcurrent(_ method: String, _ body: @escaping @Sendable (JSONValue?, RequestContext) async throws -> JSONValue) {
        add(method, .concurrent(body))
    }

    public mutating func registerOrdered(_ method: String, _ body: @escaping @Sendable (JSONValue?, RequestContext) throws -> Deferred<JSONValue>) {
        add(method, .ordered(body))
    }

    // MARK: Typed

    public mutating func immediate<M: RPCMethod>(_ type: M.Type, _ body: @escaping @Sendable (M, RequestContext) throws -> M.Response) {
        let encode = Self.encoder(for: M.Response.self), check = checkParams
        registerImmediate(M.method) { params, context in
            try check(params)
            return try encode(try body(try Self.decode(M.self, params), context))
        }
    }

    public mutating func concurrent<M: RPCMethod>(_ type: M.Type, _ body: @escaping @Sendable (M, RequestContext) async throws -> M.Response) {
        let encode = Self.encoder(for: M.Response.self), check = checkParams
        registerConcurrent(M.method) { params, context in
            try check(params)
            return try encode(try await body(try Self.decode(M.self, params), context))
        }
    }

    /// `body` runs on the reader thread in arrival order: it must enqueue its work and return
    /// its deferred result, never block.
    public mutating func ordered<M: RPCMethod>(_ type: M.Type, _ body: @escaping @Sendable (M, RequestContext) throws -> Deferred<M.Response>) {
        let encode = Self.encoder(for: M.Response.self), check = checkParams
        registerOrdered(M.method) { params, context in
            try check(params)
            return try body(try Self.decode(M.self, params), context).map(encode)
        }
    }

    private mutating func add(_ method: String, _ handler: Handler) {
        precondition(handlers[method] == nil, "method \(method) registered twice")
        handlers[method] = handler
    }

    static func decode<M: Decodable>(_ type: M.Type, _ params: JSONValue?) throws -> M {
        switch params {
        case nil: return try JSONValueDecoder().decode(type, from: .object([:]))
        case .array?: throw RPCError.invalidParams("params must be an object of named parameters", path: "")
        case let value?: return try JSONValueDecoder().decode(type, from: value)
        }
    }

    /// Picks how a result type becomes JSON, once per method rather than once per call:
    /// `JSONValue` and `EmptyObject` skip the generic `Encoder` machinery entirely.
    static func encoder<R: Encodable & Sendable>(for type: R.Type) -> @Sendable (R) throws -> JSONValue {
        if type == JSONValue.self { return { unsafeBitCast($0, to: JSONValue.self) } }
        if type == EmptyObject.self { return { _ in .object([:]) } }
        return { try JSONValueEncoder().encode($0) }
    }
}
