import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `branch/list`: a session's branches by name.
struct BranchListRequest: ServerMethod {
    static let method = "branch/list"
    /// `{branches}`.
    struct Response: JSONEncodable {
        var branches: [Branch]
    }

    var session: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { Response(branches: try context.store.branches(session: $0.session)) }
    }
}
