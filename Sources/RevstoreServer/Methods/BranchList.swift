import RevstoreJSON
import RevstoreJSONRPC

/// `branch/list`: a session's branches by name.
struct BranchListRequest: ServerMethod {
    static let method = "branch/list"
    typealias Response = JSONValue

    var session: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { ["branches": .array(try context.store.branches(session: $0.session).map(\.json))] }
    }
}
