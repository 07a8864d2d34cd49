import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `entity/fork`: a new entity in the source's lineage, optionally patched.
struct EntityForkRequest: EntityWriteRequest {
    static let method = "entity/fork"
    typealias Response = EntityWriteResult

    var session: String
    var branch: String?
    var type: String
    var id: String
    var newId: String?
    var patch: JSONValue?
    var expectedVersion: Int?
    var actor: String?
    var message: String?
    var turn: String?

    var operation: CommitOperation { .fork(type: type, id: id, newID: newId, patch: patch) }
}
