import RevstoreJSON
import RevstoreJSONRPC

/// `tag/delete`.
struct TagDeleteRequest: ServerMethod {
    static let method = "tag/delete"
    typealias Response = Deleted

    var session: String
    var name: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) { context.store.submitDeleteTag(session: $0.session, name: $0.name) } respond: { _ in Deleted() }
    }
}
