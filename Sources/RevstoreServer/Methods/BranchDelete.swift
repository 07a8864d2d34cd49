import RevstoreJSON
import RevstoreJSONRPC

/// `branch/delete`: removes a branch; not `main`, not a branch others were created from.
struct BranchDeleteRequest: ServerMethod {
    static let method = "branch/delete"
    typealias Response = Deleted

    var session: String
    var name: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) { context.store.submitDeleteBranch(session: $0.session, name: $0.name) } respond: { _ in Deleted() }
    }
}
