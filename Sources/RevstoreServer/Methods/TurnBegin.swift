import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `turn/begin`: opens a turn that stages work across requests.
struct TurnBeginRequest: ServerMethod {
    static let method = "turn/begin"
    typealias Response = Turn

    var session: String
    var branch: String?
    var message: String?
    var metadata: JSONValue?
    var actor: String?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) {
            context.store.submitBeginTurn(session: $0.session, branch: $0.branch, message: $0.message, metadata: $0.metadata, actor: $0.actor)
        } respond: { $0 }
    }
}
