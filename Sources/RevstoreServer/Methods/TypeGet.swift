import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `type/get`.
struct TypeGetRequest: ServerMethod {
    static let method = "type/get"
    typealias Response = TypeDefinition

    var name: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { try context.store.typeDefinition($0.name) }
    }
}
