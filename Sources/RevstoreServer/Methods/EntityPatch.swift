import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `entity/patch`: applies an RFC 7396 merge patch to an entity (a one-op commit).
struct EntityPatchRequest: EntityWriteRequest {
    static let method = "entity/patch"
    typealias Response = JSONValue

    var session: String
    var branch: String?
    var type: String
    var id: String
    var patch: JSONValue
    var ifVersion: Int?
    var expectedVersion: Int?
    var actor: String?
    var message: String?
    var turn: String?

    var operation: CommitOperation { .patch(type: type, id: id, patch: patch, ifVersion: ifVersion) }
}
