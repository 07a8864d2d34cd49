import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `entity/history`: an entity's versions through the branch's ancestry, newest first.
struct EntityHistoryRequest: ServerMethod, PositionedRequest {
    static let method = "entity/history"

    /// `{versions}`, newest first, each version's stored data written as it is.
    struct Response: JSONWritable {
        var versions: [Entity]

        func write(to writer: inout JSONWriter) {
            writer.writeObject { o in o.member("versions", each: versions) { $0.write($1) } }
        }
    }

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
            let versions = try context.store.history(at: request.position, type: request.type, id: request.id,
                                                           limit: limit, before: request.before)
            return Response(versions: versions)
        }
    }
}
