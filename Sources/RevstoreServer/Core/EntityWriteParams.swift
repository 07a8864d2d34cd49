import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// What the `entity/*` write shorthands share: a one-op commit and its options.
protocol EntityWriteRequest: ServerMethod where Response == JSONValue {
    var session: String { get }
    var branch: String? { get }
    var expectedVersion: Int? { get }
    var actor: String? { get }
    var message: String? { get }
    var turn: String? { get }
    var operation: CommitOperation { get throws }
}

extension EntityWriteRequest {
    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) { request in
            if let turn = request.turn { throw EngineError.turnNotFound(turn) }
            return context.store.submitEntityWrite(CommitRequest(
                session: request.session, branch: request.branch, operations: [try request.operation],
                expectedVersion: request.expectedVersion, message: request.message, actor: request.actor))
        } respond: { written in
            ["version": .integer(written.result.version), "created": .bool(written.result.created), "entity": written.entity?.json ?? .null]
        }
    }
}
