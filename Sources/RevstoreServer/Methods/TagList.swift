import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `tag/list`: a session's tags by name.
struct TagListRequest: ServerMethod {
    static let method = "tag/list"
    /// `{tags}`.
    struct Response: JSONEncodable {
        var tags: [Tag]
    }

    var session: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { Response(tags: try context.store.tags(session: $0.session)) }
    }
}
