import RevstoreJSONRPC

/// `exit` (notification): the process exits at once, 0 after `shutdown`, 1 otherwise.
struct ExitNotification: ServerMethod {
    static let method = "exit"
    typealias Response = EmptyObject

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.immediate(Self.self) { _, request in
            request.connection.requestExit()
            return EmptyObject()
        }
    }
}
