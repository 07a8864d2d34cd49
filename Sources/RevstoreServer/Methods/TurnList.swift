import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `turn/list`: a session's turns, oldest first, optionally by status.
struct TurnListRequest: ServerMethod {
    static let method = "turn/list"
    /// `{turns}`.
    struct Response: JSONEncodable {
        var turns: [Turn]
    }

    var session: String
    var status: String?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { request in
            var status: Turn.Status?
            if let name = request.status {
                guard let known = Turn.Status(rawValue: name) else {
                    throw RPCError.invalidParams("status is staged, committed or reverted", path: "status")
                }
                status = known
            }
            return Response(turns: try context.store.turns(session: request.session, status: status))
        }
    }
}
