import RevstoreJSON

/// The methods a connection serves, keyed by name.
///
/// Typed registrations decode params once into the method's type; a `DecodingError` becomes
/// `-32602` with the coding path in `data.path`.
public struct MethodRegistry: Sendable {
    /// A type-erased handler, by how the connection runs it:
    /// - `immediate`: on the reader thread as soon as the message is read; for cheap,
    ///   non-blocking work.
    /// - `concurrent`: a read. Runs on one of the connection's read threads, concurrently with
    ///   other reads and with writes, after every ordered request received before it has
    ///   completed, so it observes them. It may block that thread (on SQLite, not on other
    ///   requests); a long one checks `context.cancellation`.
    /// - `ordered`: a write. Entered on the reader thread in arrival order, where it must only
    ///   enqueue its work; it returns that work's deferred result. A `groupable` one may be
    ///   entered while an earlier ordered request's work is still running on that thread
    ///   (`RequestContext.takeArrivedRequests`), its work then joining that work.
    enum Handler: Sendable {
        case immediate(@Sendable (JSONValue?, RequestContext) throws -> any JSONWritable)
        case concurrent(@Sendable (JSONValue?, RequestContext) throws -> any JSONWritable)
        case ordered(@Sendable (JSONValue?, RequestContext) throws -> Deferred<any JSONWritable>, groupable: Bool)
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
        add(method, .immediate { try body($0, $1) })
    }

    public mutating func registerConcurrent(_ method: String, _ body: @escaping @Sendable (JSONValue?, RequestContext) throws -> JSONValue) {
        add(method, .concurrent { try body($0, $1) })
    }

    public mutating func registerOrdered(_ method: String, _ body: @escaping @Sendable (JSONValue?, RequestContext) throws -> Deferred<JSONValue>) {
        add(method, .ordered({ try body($0, $1).map { $0 as any JSONWritable } }, groupable: false))
    }

    // MARK: Typed

    public mutating func immediate<M: RPCMethod>(_ type: M.Type, _ body: @escaping @Sendable (M, RequestContext) throws -> M.Response) {
        let check = checkParams
        add(M.method, .immediate { params, context in
            try check(params)
            return try body(try Self.decode(M.self, params), context)
        })
    }

    public mutating func concurrent<M: RPCMethod>(_ type: M.Type, _ body: @escaping @Sendable (M, RequestContext) throws -> M.Response) {
        let check = checkParams
        add(M.method, .concurrent { params, context in
            try check(params)
            return try body(try Self.decode(M.self, params), context)
        })
    }

    /// `body` runs on the reader thread in arrival order: it must enqueue its work and return
    /// its deferred result, never block. `groupable`: it may run while an earlier ordered
    /// request's work runs, and its work may then join that work (see `Handler`).
    public mutating func ordered<M: RPCMethod>(_ type: M.Type, groupable: Bool = false,
                                               _ body: @escaping @Sendable (M, RequestContext) throws -> Deferred<M.Response>) {
        let check = checkParams
        add(M.method, .ordered({ params, context in
            try check(params)
            return try body(try Self.decode(M.self, params), context).map { $0 as any JSONWritable }
        }, groupable: groupable))
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
}
