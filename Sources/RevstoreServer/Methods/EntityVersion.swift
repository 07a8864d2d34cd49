import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `entity/version`: one exact entity version by its `versionId`.
struct EntityVersionRequest: ServerMethod {
    static let method = "entity/version"
    /// `{entity}`, its stored data written as it is.
    struct Response: JSONWritable {
        var entity: Entity

        func write(to writer: inout JSONWriter) {
            writer.writeObject { o in o.member("entity", entity) }
        }
    }

    var session: String
    var versionId: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { request in
            Response(entity: try context.store.entityVersion(session: request.session, versionId: request.versionId))
        }
    }
}
