import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `session/get`.
struct SessionGetRequest: ServerMethod {
    static let method = "session/get"
    typealias Response = Session

    var session: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { try context.store.session($0.session) }
    }
}
