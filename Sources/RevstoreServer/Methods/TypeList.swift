import RevstoreJSON
import RevstoreJSONRPC

/// `type/list`: every declared type, by name.
struct TypeListRequest: ServerMethod {
    static let method = "type/list"
    typealias Response = JSONValue

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { _ in ["types": .array(try context.store.typeDefinitions().map(\.json))] }
    }
}
