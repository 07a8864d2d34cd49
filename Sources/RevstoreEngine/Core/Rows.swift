import GRDB
import RevstoreJSON

/// A `session` row.
struct SessionRow: ColumnRecord, Sendable {
    var id: Int64
    var name: String
    var createdAt: String
    var metadata: String
    var defaultBranch: String

    init(_ row: ColumnRow) {
        id = row.int64(0)
        name = row.text(1)
        createdAt = row.text(2)
        metadata = row.text(3)
        defaultBranch = row.text(4)
    }

    static let columns = "session.id, session.name, session.created_at, session.metadata, session.default_branch"
    static let columnCount: Int32 = 5
}

/// A `branch` row.
struct BranchRow: ColumnRecord, Sendable {
    var id: Int64
    var sessionID: Int64
    var name: String
    var head: Int
    var baseBranchID: Int64?
    var baseVersion: Int
    var createdAt: String

    init(_ row: ColumnRow) {
        id = row.int64(0)
        sessionID = row.int64(1)
        name = row.text(2)
        head = row.int(3)
        baseBranchID = row.optionalInt64(4)
        baseVersion = row.int(5)
        createdAt = row.text(6)
    }

    static let columns = "branch.id, branch.session_id, branch.name, \(head), branch.base_branch_id, branch.base_version, branch.created_at"

    /// A branch's head, over a table `branch`: its newest version, or the version it was made at
    /// while it has none of its own. One seek of the version key, so a commit writes no branch row.
    static let head = "coalesce((SELECT max(number) FROM version WHERE branch_id = branch.id), branch.base_version)"
}

/// A session and one of its branches, read in one seek.
struct SessionBranchRow: ColumnRecord {
    var session: SessionRow
    var branch: BranchRow

    init(_ row: ColumnRow) {
        session = SessionRow(row)
        branch = BranchRow(row.dropping(SessionRow.columnCount))
    }

    static let columns = "\(SessionRow.columns), \(BranchRow.columns)"
}

/// An `entity_version` row joined with its `entity` (type and id).
struct EntityVersionRow: ColumnRecord, Sendable {
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

    /// Reads the columns in the order of `selectList`.
    init(_ row: ColumnRow) {
        id = row.int64(0)
        entityKey = row.int64(1)
        type = row.text(2)
        entityID = row.text(3)
        branchID = row.int64(4)
        validFrom = row.int(5)
        number = row.int(6)
        change = row.text(7)
        versionID = row.text(8)
        parentVersionID = row.optionalText(9)
        lineageID = row.text(10)
        data = row.text(11)
        deleted = row.bool(12)
        createdAt = row.text(13)
        createdAtVersion = row.int(14)
        createdBy = row.optionalText(15)
        updatedAt = row.text(16)
        updatedBy = row.optionalText(17)
        deletedAt = row.optionalText(18)
        deletedBy = row.optionalText(19)
        chainBytes = row.int(20)
        keyframeBytes = row.int(21)
    }

    /// The select list for `entity_version AS v JOIN entity AS e`, with whole data.
    static let columns = selectList(data: EntityData.expression("v"))

    /// The same for a writer: `data` only where the row holds its value whole and small, else
    /// empty. The writer takes larger values from `EntityData.cache`, which keeps only those,
    /// usually with no parsing at all.
    static let columnsForWriter = selectList(data: """
        (CASE WHEN v.delta IS NULL AND v.blobs = 0 AND v.keyframe_bytes < \(EntityData.smallestDeltaEntity) THEN v.data ELSE '' END)
        """)

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
            type: type, id: entityID, version: number, document: .text(CanonicalJSONText(unchecked: data)), deleted: deleted,
            createdAt: createdAt, updatedAt: updatedAt, createdAtVersion: createdAtVersion, updatedAtVersion: validFrom,
            createdBy: createdBy, updatedBy: updatedBy, deletedAt: deletedAt, deletedBy: deletedBy,
            versionId: versionID, parentVersionId: parentVersionID, lineageId: lineageID,
            branch: branchNames[branchID] ?? ""
        )
    }

}
