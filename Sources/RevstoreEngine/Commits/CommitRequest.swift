import RevstoreJSON

/// One operation of a commit (protocol/README.md §6).
public enum CommitOperation: Sendable, Equatable {
    /// Creates or replaces; a nil id gets a server-made UUID. `ifVersion: 0`: must not exist.
    case put(type: String, id: String?, data: JSONValue, ifVersion: Int?)
    /// Creates the entity unless it exists; an existing one (even a tombstone) is left as it is.
    case create(type: String, id: String, data: JSONValue)
    /// RFC 7396 merge patch of an existing entity.
    case patch(type: String, id: String, patch: JSONValue, ifVersion: Int?)
    /// RFC 6902 JSON Patch of an existing entity: appending to a long list sends one element.
    /// A failed `test` op is a conflict; a path that does not exist is an invalid argument.
    case jsonPatch(type: String, id: String, operations: [JSONValue], ifVersion: Int?)
    case delete(type: String, id: String, ifVersion: Int?)
    /// Brings a tombstone back, with `data` or the data it had when deleted.
    case restore(type: String, id: String, data: JSONValue?)
    /// A new entity in the source's lineage, its data the source's merged with `patch`.
    case fork(type: String, id: String, newID: String?, patch: JSONValue?)
}

/// A batch of operations that becomes one version (or none, if it changes nothing).
public struct CommitRequest: Sendable {
    public var session: String
    public var branch: String?
    public var operations: [CommitOperation]
    /// The branch head the client expects; `CONFLICT` otherwise.
    public var expectedVersion: Int?
    public var message: String?
    public var metadata: JSONValue?
    public var actor: String?
    /// Create a version even when nothing changes.
    public var allowEmpty: Bool

    public init(session: String, branch: String? = nil, operations: [CommitOperation], expectedVersion: Int? = nil,
                message: String? = nil, metadata: JSONValue? = nil, actor: String? = nil, allowEmpty: Bool = false) {
        self.session = session
        self.branch = branch
        self.operations = operations
        self.expectedVersion = expectedVersion
        self.message = message
        self.metadata = metadata
        self.actor = actor
        self.allowEmpty = allowEmpty
    }
}
