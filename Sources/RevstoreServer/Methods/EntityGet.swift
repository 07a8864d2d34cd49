import RevstoreJSON
import RevstoreJSONRPC

/// `entity/get`: one entity at a read position; `entity: null` when absent.
struct EntityGetRequest: ServerMethod, PositionedRequest {
    static let method = "entity/get"
    typealias Response = JSONValue

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
            let found = try await context.store.entity(at: request.position, type: request.type, id: request.id,
                                                        includeDeleted: request.includeDeleted ?? false, expand: request.expand ?? [])
            return ["version": .integer(found.version), "entity": found.entity?.json ?? .null]
        }
    }
}
