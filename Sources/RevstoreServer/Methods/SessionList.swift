import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `session/list`: sessions in id order, a page at a time.
struct SessionListRequest: ServerMethod {
    static let method = "session/list"
    /// A page of sessions; `next` is the `after` that continues, null at the end.
    struct Response: JSONEncodable {
        var sessions: [Session]
        var next: String?
    }

    var limit: Int?
    var after: String?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { request in
            let limit = try pageLimit(request.limit)
            let page = try context.store.sessions(limit: limit, after: request.after)
            return Response(sessions: page.sessions, next: page.next)
        }
    }
}
