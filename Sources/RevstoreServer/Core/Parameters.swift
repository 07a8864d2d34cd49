import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `at`: a version number, a tag name, or `"approved"`.
struct VersionReference: Decodable, Sendable {
    let value: ReadPosition.At

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let name = try? container.decode(String.self) {
            value = .tag(name)
        } else if let number = try? container.decode(Int.self), number >= 1 {
            value = .version(number)
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath,
                                                    debugDescription: "a version number (1 or more), a tag name or \"approved\""))
        }
    }
}

/// The read position every read takes: `session`, `branch?`, `at?`, `turn?`.
protocol PositionedRequest {
    var session: String { get }
    var branch: String? { get }
    var at: VersionReference? { get }
    var turn: String? { get }
}

extension PositionedRequest {
    var position: ReadPosition {
        ReadPosition(session: session, branch: branch, at: at?.value, turn: turn)
    }
}

/// A patch op: exactly one of `patch` (RFC 7396 merge patch) and `jsonPatch` (RFC 6902).
func patchOperation(type: String, id: String, patch: JSONValue?, jsonPatch: [JSONValue]?, ifVersion: Int?) throws -> CommitOperation {
    switch (patch, jsonPatch) {
    case (let patch?, nil): return .patch(type: type, id: id, patch: patch, ifVersion: ifVersion)
    case (nil, let operations?): return .jsonPatch(type: type, id: id, operations: operations, ifVersion: ifVersion)
    case (nil, nil): throw RPCError.invalidParams("a patch needs \"patch\" (RFC 7396) or \"jsonPatch\" (RFC 6902)", path: "patch")
    case (_?, _?): throw RPCError.invalidParams("give \"patch\" or \"jsonPatch\", not both", path: "jsonPatch")
    }
}

/// One op of `commit` (protocol/README.md §6).
struct OperationParams: Decodable, Sendable {
    var op: String
    var type: String
    var id: String?
    var data: JSONValue?
    var patch: JSONValue?
    var jsonPatch: [JSONValue]?
    var ifVersion: Int?
    var newId: String?

    var operation: CommitOperation {
        get throws {
            func required<T>(_ value: T?, _ name: String) throws -> T {
                guard let value else { throw RPCError.invalidParams("\"\(op)\" needs \"\(name)\"", path: name) }
                return value
            }
            switch op {
            case "put": return .put(type: type, id: id, data: try required(data, "data"), ifVersion: ifVersion)
            case "create": return .create(type: type, id: try required(id, "id"), data: try required(data, "data"))
            case "patch": return try patchOperation(type: type, id: try required(id, "id"), patch: patch, jsonPatch: jsonPatch, ifVersion: ifVersion)
            case "delete": return .delete(type: type, id: try required(id, "id"), ifVersion: ifVersion)
            case "restore": return .restore(type: type, id: try required(id, "id"), data: data)
            case "fork": return .fork(type: type, id: try required(id, "id"), newID: newId, patch: patch)
            default: throw RPCError.invalidParams("unknown op \"\(op)\"; ops are put, create, patch, delete, restore, fork", path: "op")
            }
        }
    }
}

extension MethodRegistry {
    /// A write: `submit` enqueues on the reader thread, in arrival order; the response is sent
    /// once the write is durable.
    mutating func write<M: RPCMethod, Value: Sendable>(
        _ type: M.Type, submit: @escaping @Sendable (M) throws -> WriteTicket<Value>,
        respond: @escaping @Sendable (Value) throws -> M.Response
    ) {
        writing(type) { request, _ in
            Deferred(try submit(request)).map(respond)
        }
    }

    /// An ordered request that writes: when no other input waits, its write runs right here
    /// on the input thread (`Store.submitting(inline:beforeCommit:)`), sparing the hand-off to
    /// the writer's thread and back, and the writes that arrive before it commits share its
    /// commit; with more input waiting, it is queued, to share a commit with the writes that
    /// follow.
    mutating func writing<M: RPCMethod>(_ type: M.Type, _ body: @escaping @Sendable (M, RequestContext) throws -> Deferred<M.Response>) {
        ordered(type, groupable: true) { request, context in
            try Store.submitting(inline: !context.inputWaiting, beforeCommit: context.takeArrivedRequests) { try body(request, context) }
        }
    }

    /// A read: runs on a read thread, concurrently, after the writes received before it; a
    /// cancelled request interrupts its SQLite statements.
    mutating func read<M: RPCMethod>(_ type: M.Type, _ body: @escaping @Sendable (M) throws -> M.Response) {
        read(type) { request, _ in try body(request) }
    }

    /// A read whose result can be large: it returns `call.respond(result)`, which writes the
    /// result while its rows are still being read. Once part of it is out, nothing interrupts
    /// its statements.
    mutating func read<M: RPCMethod>(_ type: M.Type, _ body: @escaping @Sendable (M, RequestContext) throws -> M.Response) {
        concurrent(type) { request, call in
            let (cancellation, stream) = (call.cancellation, call.resultStream)
            let watch = ReadWatch(isCancelled: { cancellation.isCancelled }, mustFinish: { stream?.hasSentPart == true })
            return try ReadWatch.$current.withValue(watch) { try body(request, call) }
        }
    }
}

/// A page size: 1 to 10,000, 100 when not given.
func pageLimit(_ limit: Int?, default fallback: Int = 100) throws -> Int {
    let limit = limit ?? fallback
    guard (1...10_000).contains(limit) else { throw RPCError.invalidParams("limit must be 1-10000", path: "limit") }
    return limit
}

extension RPCError {
    /// Prefixes a parameter error's path, for errors raised inside a nested parameter.
    func nested(under prefix: String) -> RPCError {
        guard code == -32602, case .object(var data) = data else { return self }
        let path = data["path"]?.stringValue ?? ""
        data["path"] = .string(path.isEmpty ? prefix : "\(prefix).\(path)")
        var copy = self
        copy.data = .object(data)
        return copy
    }
}

/// `{"deleted": true}`: what a delete answers.
struct Deleted: JSONEncodable {
    let deleted = true
}
