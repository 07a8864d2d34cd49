import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `entity/restore`: brings a deleted entity back, with `data` or the data it had.
struct EntityRestoreRequest: EntityWriteRequest {
    static let method = "entity/restore"
    typealias Response = EntityWriteResult

    var session: String
    var branch: String?
    var type: String
    var id: String
    var data: JSONValue?
    var expectedVersion: Int?
    var actor: String?
    var message: String?
    var turn: String?

    var operation: CommitOperation { .restore(type: type, id: id, data: data) }
}
