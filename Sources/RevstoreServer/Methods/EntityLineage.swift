import RevstoreJSON
import RevstoreJSONRPC

/// `entity/lineage`: every version of every entity in a lineage, on all branches, oldest first.
struct EntityLineageRequest: ServerMethod, PositionedRequest {
    static let method = "entity/lineage"
    typealias Response = JSONValue

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
            return ["lineageId": .string(found.lineageId), "versions": .array(found.versions.map(\.json))]
        }
    }
}
