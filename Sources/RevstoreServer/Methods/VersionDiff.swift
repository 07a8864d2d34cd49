import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `version/diff`: entity by entity, how the state at `to` differs from the state at `from`.
struct VersionDiffRequest: ServerMethod {
    static let method = "version/diff"
    /// `{changes}`.
    struct Response: JSONEncodable {
        var changes: [EntityDifference]
    }

    struct Side: Decodable, Sendable {
        var branch: String?
        var at: VersionReference
    }

    var session: String
    var from: Side
    var to: Side
    var type: String?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { request in
            let changes = try context.store.diff(
                from: ReadPosition(session: request.session, branch: request.from.branch, at: request.from.at.value),
                to: ReadPosition(session: request.session, branch: request.to.branch, at: request.to.at.value),
                type: request.type)
            return Response(changes: changes)
        }
    }
}
