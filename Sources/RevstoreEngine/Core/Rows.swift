import GRDB
import RevstoreJSON

/// A `session` row.
struct SessionRow: FetchableRecord, Sendable {
    var id: Int64
    var name: String
    var createdAt: String
    var metadata: String
    var defaultBranch: String

    init(row: Row) {
        id = row["id"]
        name = row["name"]
        createdAt = row["created_at"]
        metadata = row["metadata"]
        defaultBranch = row["default_branch"]
    }

    static let columns = "session.id, session.name, session.created_at, session.metadata, session.default_branch"
}

/// A `branch` row.
struct BranchRow: FetchableRecord, Sendable {
    var id: Int64
    var sessionID: Int64
    var name: String
    var head: Int
    var baseBranchID: Int64?
    var baseVersion: Int
    var createdAt: String

    init(row: Row) {
        id = row["id"]
        sessionID = row["session_id"]
        name = row["name"]
        head = row["head"]
        baseBranchID = row["base_branch_id"]
        baseVersion = row["base_version"]
        createdAt = row["created_at"]
    }
}

/// An `entity_version` row joined with its `entity` (type and id).
struct EntityVersionRow: FetchableRecord, Sendable {
    var id: Int64
    var entityKey: Int64
    var type: String
    var entityID: String
    var branchID: Int64
    var validFrom: Int
    var number: Int
    var change: String
    var versionID: String
    var parentVersionID: String?
    var lineageID: String
    var data: String
    var deleted: Bool
    var createdAt: String
    var createdAtVersion: Int
    var createdBy: String?
    var updatedAt: String
    var updatedBy: String?
    var deletedAt: String?
    var deletedBy: String?
    /// Delta bytes since the keyframe of this row's chain (0 for a keyframe), and its size.
    var chainBytes: Int
    var keyframeBytes: Int

    init(row: Row) {
        id = row["id"]
        entityKey = row["entity_key"]
        type = row["type"]
        entityID = row["entity_id"]
        branchID = row["branch_id"]
        validFrom = row["valid_from"]
        number = row["number"]
        change = row["change"]
        versionID = row["version_id"]
        parentVersionID = row["parent_version_id"]
        lineageID = row["lineage_id"]
        data = row["data"]
        deleted = row["deleted"]
        createdAt = row["created_at"]
        createdAtVersion = row["created_at_version"]
        createdBy = row["created_by"]
        updatedAt = row["updated_at"]
        updatedBy = row["updated_by"]
        deletedAt = row["deleted_at"]
        deletedBy = row["deleted_by"]
        chainBytes = row["chain_bytes"]
        keyframeBytes = row["keyframe_bytes"]
    }

    /// The select list for `entity_version AS v JOIN entity AS e`, with whole data.
    static let columns = selectList(data: EntityData.expression("v"))

    /// The same without the data (`data` is empty): for a writer, which takes the whole value
    /// from `EntityData.cache` rather than as text.
    static let columnsWithoutData = selectList(data: "''")

    private static func selectList(data: String) -> String {
        """
        v.id, v.entity_key, e.type, e.entity_id, v.branch_id, v.valid_from, v.number, v.change, v.version_id, \
        v.parent_version_id, v.lineage_id, \(data) AS data, v.deleted, v.created_at, v.created_at_version, v.created_by, \
        v.updated_at, v.updated_by, v.deleted_at, v.deleted_by, v.chain_bytes, v.keyframe_bytes
        """
    }

    var parsedData: JSONValue { (try? JSONParser.parse(data)) ?? .object([:]) }

    func entity(branchNames: [Int64: String]) -> Entity {
        Entity(
            type: type, id: entityID, version: number, data: parsedData, deleted: deleted,
            createdAt: createdAt, updatedAt: updatedAt, createdAtVersion: createdAtVersion, updatedAtVersion: validFrom,
            createdBy: createdBy, updatedBy: updatedBy, deletedAt: deletedAt, deletedBy: deletedBy,
            versionId: versionID, parentVersionId: parentVersionID, lineageId: lineageID,
            branch: branchNames[branchID] ?? ""
        )
    }

}
