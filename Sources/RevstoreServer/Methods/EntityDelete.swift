import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `entity/delete`: deletes an entity, keeping its history; answers with the tombstone.
struct EntityDeleteRequest: EntityWriteRequest {
    static let method = "entity/delete"
    typealias Response = EntityWriteResult

    var session: String
    var branch: String?
    var type: String
    var id: String
    var ifVersion: Int?
    var expectedVersion: Int?
    var actor: String?
    var message: String?
    var turn: String?

    var operation: CommitOperation { .delete(type: type, id: id, ifVersion: ifVersion) }
}
