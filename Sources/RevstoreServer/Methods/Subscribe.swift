import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `subscribe`: change events as `subscription/event` notifications, optionally replayed from a cursor.
struct SubscribeRequest: ServerMethod {
    static let method = "subscribe"
    static let notification = "subscription/event"
    /// The subscription's id, and the cursor after which its events are sent.
    struct Response: JSONEncodable {
        var subscription: String
        var cursor: Int64
    }

    var session: String?
    var branch: String?
    var types: [String]?
    var ids: [String]?
    var kinds: [String]?
    var since: Int64?

    /// The params of `subscription/event`: the event as the feed stores it.
    struct Notification: JSONWritable {
        var event: Event
        var subscription: String

        func write(to writer: inout JSONWriter) {
            writer.writeObject { o in
                o.member("event", event)
                o.member("subscription", subscription)
            }
        }
    }

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.ordered(Self.self) { request, call in
            var kinds: Set<Event.Kind>?
            if let names = request.kinds {
                kinds = []
                for (index, name) in names.enumerated() {
                    guard let kind = Event.Kind(rawValue: name) else {
                        throw RPCError.invalidParams("unknown event kind \"\(name)\"", path: "kinds.\(index)")
                    }
                    kinds?.insert(kind)
                }
            }
            let filter = EventFilter(session: request.session, branch: request.branch, types: request.types.map(Set.init),
                                     ids: request.ids.map { Set($0.map { CodePointString($0) }) }, kinds: kinds)
            let connection = call.connection
            let ticket = context.store.submitSubscribe(filter, since: request.since, canDeliver: context.canDeliverEvents) { subscription, event in
                connection.notify(method: notification, params: Notification(event: event, subscription: subscription))
            }
            return Deferred { completion in
                ticket.whenDone { outcome in
                    completion(outcome.map { Response(subscription: $0.id, cursor: $0.cursor) }.mapError { $0 })
                    // The reply naming the subscription is out: events may follow it now.
                    if case .success(let registered) = outcome { context.store.events.activate(registered.id) }
                }
            }
        }
    }
}
