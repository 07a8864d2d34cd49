import RevstoreJSON
import RevstoreJSONRPC

/// `entity/version`: one exact entity version by its `versionId`.
struct EntityVersionRequest: ServerMethod {
    static let method = "entity/version"
    typealias Response = JSONValue

    var session: String
    var versionId: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { request in
            ["entity": try context.store.entityVersion(session: request.session, versionId: request.versionId).json]
        }
    }
}
