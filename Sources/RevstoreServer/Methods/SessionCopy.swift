import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `session/copy`: the session with its whole history under a new name, copied by the server.
struct SessionCopyRequest: ServerMethod {
    static let method = "session/copy"
    typealias Response = Session

    var session: String
    var to: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) { context.store.submitCopy(session: $0.session, to: $0.to) } respond: { $0 }
    }
}
