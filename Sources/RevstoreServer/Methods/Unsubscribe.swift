import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `unsubscribe`: no more events for that subscription.
struct UnsubscribeRequest: ServerMethod {
    static let method = "unsubscribe"
    typealias Response = EmptyObject

    var subscription: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.immediate(Self.self) { request, _ in
            guard context.store.events.unsubscribe(request.subscription) else {
                throw EngineError(.notFound, "No subscription \"\(request.subscription)\".", ["kind": "subscription", "subscription": .string(request.subscription)])
            }
            return EmptyObject()
        }
    }
}
