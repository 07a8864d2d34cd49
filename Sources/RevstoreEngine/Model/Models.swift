import RevstoreJSON

// Each model's `JSONEncodable` conformance declares its JSON shape in the protocol
// (protocol/README.md §5): members by their protocol names, absent optionals as `null`.

/// A named container of versioned state.
public struct Session: Sendable, Equatable, JSONEncodable {
    enum CodingKeys: String, CodingKey {
        case name = "session", createdAt, metadata, defaultBranch, version
    }

    public var name: String
    public var createdAt: String
    public var metadata: JSONValue
    public var defaultBranch: String
    /// The head of the default branch.
    public var version: Int
}

/// A line of versions inside a session.
public struct Branch: Sendable, Equatable, JSONEncodable {
    public struct Base: Sendable, Equatable, Encodable {
        public var branch: String
        public var version: Int
    }

    public var session: String
    public var name: String
    public var head: Int
    /// Where it was created from; nil for `main`.
    public var base: Base?
    public var createdAt: String
}

/// One version of one entity.
public struct Entity: Sendable, Equatable {
    public var type: String
    public var id: String
    /// The entity's own version: 1 when created, +1 in each session version that changed it.
    public var version: Int
    /// The entity's data, parsed from the stored text when first asked for.
    public var data: JSONValue {
        get { document.value }
        set { document = .value(newValue) }
    }
    /// The data as read (canonical text, which a response writes as it is) or as changed since.
    var document: Document
    public var deleted: Bool
    public var createdAt: String
    public var updatedAt: String
    public var createdAtVersion: Int
    public var updatedAtVersion: Int
    public var createdBy: String?
    public var updatedBy: String?
    public var deletedAt: String?
    public var deletedBy: String?
    public var versionId: String
    public var parentVersionId: String?
    public var lineageId: String
    /// The branch this entity version was written on.
    public var branch: String

    /// Equal when the values are, however each is held.
    enum Document: Sendable, Equatable {
        case text(CanonicalJSONText)
        case value(JSONValue)

        static func == (lhs: Document, rhs: Document) -> Bool { lhs.value == rhs.value }

        var value: JSONValue {
            switch self {
            case .text(let text): (try? text.parsed()) ?? .object([:])
            case .value(let value): value
            }
        }
    }
}

/// What one commit did to one entity.
public struct Change: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case created, updated, deleted, restored
    }

    public var type: String
    public var id: String
    public var change: Kind
    /// The entity version this change made.
    public var version: Int
    public var versionId: String
}

/// A session version and its review status.
public struct VersionInfo: Sendable, Equatable, JSONEncodable {
    public struct Review: Sendable, Equatable, Encodable {
        public var status: String
        public var submittedAt: String?
        public var submittedBy: String?
        public var reviewedAt: String?
        public var reviewedBy: String?
        public var notes: String?
    }

    public var session: String
    public var branch: String
    public var version: Int
    public var createdAt: String
    public var actor: String?
    public var message: String?
    public var metadata: JSONValue
    public var turn: String?
    public var changeCount: Int
    public var review: Review
}

/// What a commit did.
public struct CommitResult: Sendable, Equatable {
    public var session: String
    public var branch: String
    /// The new version, or the unchanged head when nothing changed.
    public var version: Int
    /// Whether a version was created.
    public var created: Bool
    public var changes: [Change]
}

/// One entity's difference between two read positions.
public struct EntityDifference: Sendable, Equatable, JSONEncodable {
    public enum Kind: String, Sendable, Encodable {
        case added, removed, modified
    }

    public var type: String
    public var id: String
    public var change: Kind
    public var before: Entity?
    public var after: Entity?
    /// RFC 6902 operations from `before.data` to `after.data`.
    public var patch: [JSONValue]
}

/// A name for a (branch, version).
public struct Tag: Sendable, Equatable, JSONEncodable {
    public var session: String
    public var name: String
    public var branch: String
    public var version: Int
    public var createdAt: String
}

/// A staged unit of work on a branch, committed as one version or discarded.
public struct Turn: Sendable, Equatable, JSONEncodable {
    public enum Status: String, Sendable, Encodable {
        case staged, committed, reverted
    }

    enum CodingKeys: String, CodingKey {
        case id = "turn", session, branch, baseVersion, status, message, metadata, actor, createdAt, stagedOps, version
    }

    public var id: String
    public var session: String
    public var branch: String
    /// The branch head when the turn began.
    public var baseVersion: Int
    public var status: Status
    public var message: String?
    public var metadata: JSONValue
    public var actor: String?
    public var createdAt: String
    public var stagedOps: Int
    /// The version the commit created; nil until then (and when it changed nothing).
    public var version: Int?
}

/// One field that both sides of a merge changed differently.
public struct MergeConflict: Sendable, Equatable, JSONEncodable {
    public var type: String
    public var id: String
    /// The top-level data field, or nil when the conflict is about the whole entity (one side
    /// deleted it, the other changed it).
    public var field: String?
    public var base: JSONValue
    public var source: JSONValue
    public var target: JSONValue
}

/// What `branch/merge` did.
public struct MergeResult: Sendable, Equatable {
    public var commit: CommitResult
    /// The conflicts found, resolved as `onConflict` said.
    public var conflicts: [MergeConflict]
}

/// How a merge settles a field both sides changed.
public enum MergeStrategy: String, Sendable {
    case fail, source, target
}
