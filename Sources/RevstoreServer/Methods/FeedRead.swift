import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `feed/read`: pages through the durable event feed, for scripts that poll.
struct FeedReadRequest: ServerMethod {
    static let method = "feed/read"

    /// `{cursor, events}`: the events as the feed stores them.
    struct Response: JSONWritable {
        var cursor: Int64
        var events: [Event]

        func write(to writer: inout JSONWriter) {
            writer.writeObject { o in
                o.member("cursor", Int(cursor))
                o.member("events", each: events) { $0.write($1) }
            }
        }
    }

    var session: String?
    var since: Int64?
    var limit: Int?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { request in
            let limit = try pageLimit(request.limit)
            let page = try context.store.feed(session: request.session, since: request.since, limit: limit)
            return Response(cursor: page.cursor, events: page.events)
        }
    }
}
