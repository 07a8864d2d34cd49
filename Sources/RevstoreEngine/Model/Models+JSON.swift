import RevstoreJSON

/// The protocol's JSON shapes (protocol/README.md §5). Absent optionals are written as `null`.
extension Session {
    public var json: JSONValue {
        ["session": .string(name), "createdAt": .string(createdAt), "metadata": metadata,
         "defaultBranch": .string(defaultBranch), "version": .integer(version)]
    }
}

extension Branch {
    public var json: JSONValue {
        ["session": .string(session), "name": .string(name), "head": .integer(head),
         "base": base.map { ["branch": .string($0.branch), "version": .integer($0.version)] } ?? .null,
         "createdAt": .string(createdAt)]
    }
}

extension Entity: JSONWritable {
    /// Members in UTF-8 order, as `JSONWriter` sorts them; stored data is written as it is.
    public func write(to writer: inout JSONWriter) {
        writer.writeObject { o in
            o.member("branch", branch)
            o.member("createdAt", createdAt)
            o.member("createdAtVersion", createdAtVersion)
            o.member("createdBy", createdBy)
            switch document {
            case .text(let text): o.member("data", text)
            case .value(let value): o.member("data", value)
            }
            o.member("deleted", deleted)
            o.member("deletedAt", deletedAt)
            o.member("deletedBy", deletedBy)
            o.member("id", id)
            o.member("lineageId", lineageId)
            o.member("parentVersionId", parentVersionId)
            o.member("type", type)
            o.member("updatedAt", updatedAt)
            o.member("updatedAtVersion", updatedAtVersion)
            o.member("updatedBy", updatedBy)
            o.member("version", version)
            o.member("versionId", versionId)
        }
    }

    public var json: JSONValue { JSONValue(writing: self) }
}

extension Change {
    public var json: JSONValue {
        ["type": .string(type), "id": .string(id), "change": .string(change.rawValue),
         "version": .integer(version), "versionId": .string(versionId)]
    }
}

extension VersionInfo {
    public var json: JSONValue {
        [
            "session": .string(session), "branch": .string(branch), "version": .integer(version),
            "createdAt": .string(createdAt), "actor": .optional(actor), "message": .optional(message),
            "metadata": metadata, "turn": .optional(turn), "changeCount": .integer(changeCount),
            "review": [
                "status": .string(review.status), "submittedAt": .optional(review.submittedAt),
                "submittedBy": .optional(review.submittedBy), "reviewedAt": .optional(review.reviewedAt),
                "reviewedBy": .optional(review.reviewedBy), "notes": .optional(review.notes),
            ],
        ]
    }
}

extension CommitResult {
    public var json: JSONValue {
        ["session": .string(session), "branch": .string(branch), "version": .integer(version),
         "created": .bool(created), "changes": .array(changes.map(\.json))]
    }
}

extension EntityDifference {
    public var json: JSONValue {
        ["type": .string(type), "id": .string(id), "change": .string(change.rawValue),
         "before": before?.json ?? .null, "after": after?.json ?? .null, "patch": .array(patch)]
    }
}

extension JSONValue {
    /// A string, or `null` for nil.
    static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
}

extension Tag {
    public var json: JSONValue {
        ["session": .string(session), "name": .string(name), "branch": .string(branch),
         "version": .integer(version), "createdAt": .string(createdAt)]
    }
}

extension Turn {
    public var json: JSONValue {
        [
            "turn": .string(id), "session": .string(session), "branch": .string(branch), "baseVersion": .integer(baseVersion),
            "status": .string(status.rawValue), "message": .optional(message), "metadata": metadata, "actor": .optional(actor),
            "createdAt": .string(createdAt), "stagedOps": .integer(stagedOps), "version": version.map(JSONValue.integer) ?? .null,
        ]
    }
}

extension MergeConflict {
    public var json: JSONValue {
        ["type": .string(type), "id": .string(id), "field": .optional(field), "base": base, "source": source, "target": target]
    }
}

extension MergeResult {
    public var json: JSONValue {
        guard case .object(var fields) = commit.json else { return .null }
        fields["conflicts"] = .array(conflicts.map(\.json))
        return .object(fields)
    }
}
