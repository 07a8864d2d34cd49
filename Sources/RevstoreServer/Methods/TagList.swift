import RevstoreJSON
import RevstoreJSONRPC

/// `tag/list`: a session's tags by name.
struct TagListRequest: ServerMethod {
    static let method = "tag/list"
    typealias Response = JSONValue

    var session: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { ["tags": .array(try context.store.tags(session: $0.session).map(\.json))] }
    }
}
