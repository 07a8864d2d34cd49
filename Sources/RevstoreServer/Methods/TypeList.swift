import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `type/list`: every declared type, by name.
struct TypeListRequest: ServerMethod {
    static let method = "type/list"
    /// `{types}`.
    struct Response: JSONEncodable {
        var types: [TypeDefinition]
    }

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { _ in Response(types: try context.store.typeDefinitions()) }
    }
}
