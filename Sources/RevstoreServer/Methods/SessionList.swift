import RevstoreJSON
import RevstoreJSONRPC

/// `session/list`: sessions in id order, a page at a time.
struct SessionListRequest: ServerMethod {
    static let method = "session/list"
    typealias Response = JSONValue

    var limit: Int?
    var after: String?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { request in
            let limit = try pageLimit(request.limit)
            let page = try context.store.sessions(limit: limit, after: request.after)
            return ["sessions": .array(page.sessions.map(\.json)), "next": page.next.map(JSONValue.string) ?? .null]
        }
    }
}
