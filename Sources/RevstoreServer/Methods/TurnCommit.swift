import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `turn/commit`: the staged ops become one version on the branch's current head.
struct TurnCommitRequest: ServerMethod {
    static let method = "turn/commit"
    typealias Response = CommitResult

    var turn: String
    var message: String?
    var metadata: JSONValue?
    var expectedVersion: Int?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) {
            context.store.submitCommitTurn($0.turn, message: $0.message, metadata: $0.metadata, expectedVersion: $0.expectedVersion)
        } respond: { $0 }
    }
}
