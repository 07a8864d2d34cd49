import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `commit`: the one write primitive; all its ops become one version, or nothing happens.
struct CommitRequestParams: ServerMethod {
    static let method = "commit"
    /// What the commit did; or, staged into a turn, no version yet and the turn.
    enum Response: JSONWritable {
        case committed(CommitResult)
        case staged(Turn)

        /// The staged form of `CommitResult`'s members, with the turn beside them.
        private struct Staged: JSONEncodable {
            var session: String
            var branch: String
            var version: Int?
            var created = false
            var changes: [Change] = []
            var turn: Turn
        }

        func write(to writer: inout JSONWriter) {
            switch self {
            case .committed(let result): result.write(to: &writer)
            case .staged(let turn): Staged(session: turn.session, branch: turn.branch, turn: turn).write(to: &writer)
            }
        }
    }

    var session: String
    var branch: String?
    var ops: [OperationParams]
    var expectedVersion: Int?
    var message: String?
    var metadata: JSONValue?
    var actor: String?
    var turn: String?
    var allowEmpty: Bool?

    var request: CommitRequest {
        get throws {
            let operations = try ops.enumerated().map { index, op in
                do { return try op.operation } catch let error as RPCError { throw error.nested(under: "ops.\(index)") }
            }
            return CommitRequest(session: session, branch: branch, operations: operations, expectedVersion: expectedVersion,
                                 message: message, metadata: metadata, actor: actor, allowEmpty: allowEmpty ?? false)
        }
    }

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.writing(Self.self) { params, _ in
            let request = try params.request
            guard let turn = params.turn else {
                return Deferred(context.store.submitCommit(request)).map { Response.committed($0) }
            }
            // Staged into the turn: no version yet.
            return Deferred(context.store.submitStage(turn: turn, request)).map { Response.staged($0.turn) }
        }
    }
}
