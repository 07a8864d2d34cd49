import RevstoreJSON
import RevstoreJSONRPC

/// `entity/history`: an entity's versions through the branch's ancestry, newest first.
struct EntityHistoryRequest: ServerMethod, PositionedRequest {
    static let method = "entity/history"
    typealias Response = JSONValue

    var session: String
    var branch: String?
    var at: VersionReference?
    var turn: String?
    var type: String
    var id: String
    var limit: Int?
    var before: Int?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { request in
            let limit = try pageLimit(request.limit)
            let versions = try await context.store.history(at: request.position, type: request.type, id: request.id,
                                                           limit: limit, before: request.before)
            return ["versions": .array(versions.map(\.json))]
        }
    }
}
