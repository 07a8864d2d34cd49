import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `session/checkout`: changes the session's default branch.
struct SessionCheckoutRequest: ServerMethod {
    static let method = "session/checkout"
    typealias Response = Session

    var session: String
    var branch: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) { context.store.submitCheckout(session: $0.session, branch: $0.branch) } respond: { $0 }
    }
}
