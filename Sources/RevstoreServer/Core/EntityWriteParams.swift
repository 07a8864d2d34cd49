import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// What the `entity/*` write shorthands share: a one-op commit and its options.
protocol EntityWriteRequest: ServerMethod where Response == EntityWriteResult {
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
        registry.writing(Self.self) { params, _ in
            let request = CommitRequest(session: params.session, branch: params.branch, operations: [try params.operation],
                                        expectedVersion: params.expectedVersion, message: params.message, actor: params.actor)
            guard let turn = params.turn else {
                return Deferred(context.store.submitEntityWrite(request), errors: \.asShorthand).map { written in
                    EntityWriteResult(created: written.result.created, entity: written.entity, turn: nil, version: written.result.version)
                }
            }
            // Staged into the turn: the entity as it reads through the turn, no version yet.
            return Deferred(context.store.submitStageEntityWrite(turn: turn, request), errors: \.asShorthand).map { staged in
                EntityWriteResult(created: false, entity: staged.entity, turn: staged.turn, version: nil)
            }
        }
    }
}

/// `{created, entity, turn?, version}`: `version` is null and `turn` set when staged into a turn.
struct EntityWriteResult: JSONWritable {
    var created: Bool
    var entity: Entity?
    var turn: Turn?
    var version: Int?

    func write(to writer: inout JSONWriter) {
        writer.writeObject { o in
            o.member("created", created)
            o.member("entity", entity)
            if let turn { o.member("turn", turn) }
            o.member("version", version)
        }
    }
}

extension Deferred {
    /// The outcome of a queued write, delivered on the writer's thread once it is durable;
    /// `errors` may restate a failure in the caller's terms.
    init(_ ticket: WriteTicket<Value>, errors: @escaping @Sendable (EngineError) -> EngineError = { $0 }) {
        self.init { completion in ticket.whenDone { completion($0.mapError { errors($0) as any Error }) } }
    }
}

extension EngineError {
    /// An error of the one-op commit behind a shorthand, in the shorthand's own terms: paths
    /// name its parameters (`type`, not `ops.0.type`) and there is no op index.
    var asShorthand: EngineError {
        var error = self
        error.details["opIndex"] = nil
        if let path = details["path"]?.stringValue, path.hasPrefix("ops.0.") {
            error.details["path"] = .string(String(path.dropFirst("ops.0.".count)))
        }
        return error
    }
}
