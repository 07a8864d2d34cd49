import RevstoreJSON
import RevstoreJSONRPC

/// `$/cancelRequest` (notification): a queued or running read is answered `-32800`.
struct CancelRequestNotification: ServerMethod {
    static let method = "$/cancelRequest"
    typealias Response = EmptyObject

    var id: JSONValue

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.immediate(Self.self) { notification, request in
            if let id = RequestID(notification.id) { request.connection.cancel(id) }
            return EmptyObject()
        }
    }
}
