import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `commit`: the one write primitive; all its ops become one version, or nothing happens.
struct CommitRequestParams: ServerMethod {
    static let method = "commit"
    typealias Response = JSONValue

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
        registry.ordered(Self.self) { params, _ in
            let request = try params.request
            guard let turn = params.turn else {
                return Deferred(context.store.submitCommit(request)).map { $0.json }
            }
            // Staged into the turn: no version yet.
            return Deferred(context.store.submitStage(turn: turn, request)).map { staged in
                ["session": .string(staged.turn.session), "branch": .string(staged.turn.branch), "version": .null,
                 "created": false, "changes": [], "turn": staged.turn.json]
            }
        }
    }
}
