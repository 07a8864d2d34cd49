import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `entity/purge`: removes every version of the given entities from every branch, for good.
struct EntityPurgeRequest: ServerMethod {
    static let method = "entity/purge"
    typealias Response = PurgeReport

    struct Target: Decodable, Sendable {
        var type: String
        var id: String
    }

    var session: String
    var entities: [Target]

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) {
            context.store.submitPurge(session: $0.session, entities: $0.entities.map { ($0.type, $0.id) })
        } respond: { $0 }
    }
}
