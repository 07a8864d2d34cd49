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
            if let turn { throw EngineError.turnNotFound(turn) }
            let operations = try ops.enumerated().map { index, op in
                do { return try op.operation } catch let error as RPCError { throw error.nested(under: "ops.\(index)") }
            }
            return CommitRequest(session: session, branch: branch, operations: operations, expectedVersion: expectedVersion,
                                 message: message, metadata: metadata, actor: actor, allowEmpty: allowEmpty ?? false)
        }
    }

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) { context.store.submitCommit(try $0.request) } respond: { $0.json }
    }
}
