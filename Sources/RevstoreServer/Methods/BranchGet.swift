import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `branch/get`.
struct BranchGetRequest: ServerMethod {
    static let method = "branch/get"
    typealias Response = Branch

    var session: String
    var name: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { try context.store.branch(session: $0.session, name: $0.name) }
    }
}
