import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `type/define`: declares a type, or redeclares it compatibly.
struct TypeDefineRequest: ServerMethod {
    static let method = "type/define"
    typealias Response = TypeDefinition

    var name: String
    var fields: JSONValue
    var strict: Bool?
    var description: String?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) {
            context.store.submitDefineType(name: $0.name, fields: $0.fields, strict: $0.strict ?? false, description: $0.description)
        } respond: { $0 }
    }
}
