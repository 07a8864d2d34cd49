import RevstoreJSON
import RevstoreJSONRPC

/// `shutdown`: answers `null`; every later request fails with `SHUTTING_DOWN`.
struct ShutdownRequest: ServerMethod {
    static let method = "shutdown"
    typealias Response = NullResult

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.immediate(Self.self) { _, request in
            request.connection.beginShutdown()
            return NullResult()
        }
    }
}
