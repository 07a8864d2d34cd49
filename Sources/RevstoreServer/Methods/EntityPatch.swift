import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `entity/patch`: applies an RFC 7396 merge patch (`patch`) or an RFC 6902 JSON Patch
/// (`jsonPatch`) to an entity (a one-op commit).
struct EntityPatchRequest: EntityWriteRequest {
    static let method = "entity/patch"
    typealias Response = EntityWriteResult

    var session: String
    var branch: String?
    var type: String
    var id: String
    var patch: JSONValue?
    var jsonPatch: [JSONValue]?
    var ifVersion: Int?
    var expectedVersion: Int?
    var actor: String?
    var message: String?
    var turn: String?

    var operation: CommitOperation {
        get throws { try patchOperation(type: type, id: id, patch: patch, jsonPatch: jsonPatch, ifVersion: ifVersion) }
    }
}
