import RevstoreJSONRPC

/// `ping`: answers `{}` at once; a liveness check that touches nothing.
struct PingRequest: ServerMethod {
    static let method = "ping"
    typealias Response = EmptyObject

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.immediate(Self.self) { _, _ in EmptyObject() }
    }
}
