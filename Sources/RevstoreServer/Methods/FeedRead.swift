import RevstoreJSON
import RevstoreJSONRPC

/// `feed/read`: pages through the durable event feed, for scripts that poll.
struct FeedReadRequest: ServerMethod {
    static let method = "feed/read"
    typealias Response = JSONValue

    var session: String?
    var since: Int64?
    var limit: Int?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { request in
            let limit = try pageLimit(request.limit)
            let page = try context.store.feed(session: request.session, since: request.since, limit: limit)
            return ["events": .array(page.events.map(\.json)), "cursor": .number(JSONNumber(page.cursor))]
        }
    }
}
