import RevstoreJSON
import RevstoreJSONRPC

/// `session/delete`: removes the session and all its history.
struct SessionDeleteRequest: ServerMethod {
    static let method = "session/delete"
    typealias Response = Deleted

    var session: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) { context.store.submitDeleteSession($0.session) } respond: { _ in Deleted() }
    }
}
