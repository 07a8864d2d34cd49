import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `entity/lineage`: every version of every entity in a lineage, on all branches, oldest first.
struct EntityLineageRequest: ServerMethod, PositionedRequest {
    static let method = "entity/lineage"
    /// `{lineageId, versions}`, each version's stored data written as it is.
    struct Response: JSONWritable {
        var lineageId: String
        var versions: [Entity]

        func write(to writer: inout JSONWriter) {
            writer.writeObject { o in
                o.member("lineageId", lineageId)
                o.member("versions", each: versions) { $0.write($1) }
            }
        }
    }

    var session: String
    var branch: String?
    var at: VersionReference?
    var turn: String?
    var lineageId: String?
    var type: String?
    var id: String?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { request in
            let found = try context.store.lineage(session: request.session, lineageId: request.lineageId, type: request.type,
                                                        id: request.id, at: request.position)
            return Response(lineageId: found.lineageId, versions: found.versions)
        }
    }
}
