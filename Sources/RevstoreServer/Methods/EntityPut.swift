import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `entity/put`: creates or replaces an entity (a one-op commit).
struct EntityPutRequest: EntityWriteRequest {
    static let method = "entity/put"
    typealias Response = EntityWriteResult

    var session: String
    var branch: String?
    var type: String
    var data: JSONValue
    var id: String?
    var ifVersion: Int?
    var expectedVersion: Int?
    var actor: String?
    var message: String?
    var turn: String?

    var operation: CommitOperation { .put(type: type, id: id, data: data, ifVersion: ifVersion) }
}
