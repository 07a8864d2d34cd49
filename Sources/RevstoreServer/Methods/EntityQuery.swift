import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `entity/query`: entities at a read position that match `where`, sorted and paged.
struct EntityQueryRequest: ServerMethod, PositionedRequest {
    static let method = "entity/query"
    typealias Response = JSONValue

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

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { request in
            let query = EntityQuery(type: request.type, filter: request.where, orderBy: request.orderBy ?? [],
                                    limit: request.limit ?? EntityQuery.defaultLimit, offset: request.offset ?? 0,
                                    includeDeleted: request.includeDeleted ?? false, count: request.count ?? false,
                                    expand: request.expand ?? [])
            let found = try await context.store.query(at: request.position, query)
            var result: [String: JSONValue] = ["version": .integer(found.version), "entities": .array(found.entities.map(\.json))]
            if let total = found.total { result["total"] = .integer(total) }
            return .object(result)
        }
    }
}
