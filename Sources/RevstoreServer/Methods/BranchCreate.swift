import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `branch/create`: a new branch sharing another's history up to a version.
struct BranchCreateRequest: ServerMethod {
    static let method = "branch/create"
    typealias Response = Branch

    struct From: Decodable, Sendable {
        var branch: String?
        var at: VersionReference?
    }

    var session: String
    var name: String
    var from: From?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) {
            context.store.submitCreateBranch(session: $0.session, name: $0.name, fromBranch: $0.from?.branch, fromAt: $0.from?.at?.value)
        } respond: { $0 }
    }
}
