import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `entity/query`: entities at a read position that match `where`, sorted and paged.
struct EntityQueryRequest: ServerMethod, PositionedRequest {
    static let method = "entity/query"

    /// `{entities, total?, version}`, each entity's stored data written as it is, and each
    /// read from SQLite as the response is written.
    struct Response: JSONWritable {
        var entities: EntityRows
        var total: Int?
        var version: Int

        func write(to writer: inout JSONWriter) {
            writer.writeObject { o in
                o.member("entities", each: entities) { $0.write($1) }
                if let total { o.member("total", total) }
                o.member("version", version)
            }
        }
    }

    var session: String
    var branch: String?
    var at: VersionReference?
    var turn: String?
    var type: String?
    var `where`: JSONValue?
    var orderBy: [String]?
    var limit: Int?
    var offset: Int?
    var includeDeleted: Bool?
    var count: Bool?
    var expand: [String]?
    var allBranches: Bool?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { request, call in
            let query = EntityQuery(type: request.type, filter: request.where, orderBy: request.orderBy ?? [],
                                    limit: request.limit ?? EntityQuery.defaultLimit, offset: request.offset ?? 0,
                                    includeDeleted: request.includeDeleted ?? false, count: request.count ?? false,
                                    expand: request.expand ?? [], allBranches: request.allBranches ?? false)
            return try context.store.query(at: request.position, query) { found in
                call.respond(Response(entities: found.entities, total: found.total, version: found.version))
            }
        }
    }
}
