import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `entity/get`: one entity at a read position; `entity: null` when absent.
struct EntityGetRequest: ServerMethod, PositionedRequest {
    static let method = "entity/get"

    /// `{entity, version}`, the entity's stored data written as it is.
    struct Response: JSONWritable {
        var entity: Entity?
        var version: Int

        func write(to writer: inout JSONWriter) {
            writer.writeObject { o in
                o.member("entity", entity)
                o.member("version", version)
            }
        }
    }

    var session: String
    var branch: String?
    var at: VersionReference?
    var turn: String?
    var type: String
    var id: String
    var includeDeleted: Bool?
    var expand: [String]?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { request in
            let found = try context.store.entity(at: request.position, type: request.type, id: request.id,
                                                        includeDeleted: request.includeDeleted ?? false, expand: request.expand ?? [])
            return Response(entity: found.entity, version: found.version)
        }
    }
}
