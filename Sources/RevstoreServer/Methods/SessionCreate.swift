import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `session/create`: a new session at version 1 on `main`.
struct SessionCreateRequest: ServerMethod {
    static let method = "session/create"
    typealias Response = Session

    var session: String?
    var metadata: JSONValue?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) { context.store.submitCreateSession(name: $0.session, metadata: $0.metadata) } respond: { $0 }
    }
}
