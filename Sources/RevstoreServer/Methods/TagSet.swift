import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `tag/set`: names a (branch, version); an existing tag moves.
struct TagSetRequest: ServerMethod {
    static let method = "tag/set"
    typealias Response = Tag

    var session: String
    var name: String
    var branch: String?
    var at: VersionReference

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) { context.store.submitSetTag(session: $0.session, name: $0.name, branch: $0.branch, at: $0.at.value) } respond: { $0 }
    }
}
