import RevstoreEngine
import RevstoreJSON
import Testing

/// A fresh in-memory store with one session, and shorthands for the tests.
struct Fixture {
    let store: Store
    let session: String

    init(store: Store, session: String) {
        self.store = store
        self.session = session
    }

    init(session: String = "s1") async throws {
        store = try Store(StoreConfiguration(location: .memory))
        self.session = session
        _ = try await store.submitCreateSession(name: session, metadata: nil).value()
    }

    @discardableResult
    func commit(_ operations: [CommitOperation], branch: String? = nil, expectedVersion: Int? = nil, actor: String? = nil,
                message: String? = nil, allowEmpty: Bool = false) async throws -> CommitResult {
        try await store.submitCommit(CommitRequest(session: session, branch: branch, operations: operations, expectedVersion: expectedVersion,
                                                   message: message, actor: actor, allowEmpty: allowEmpty)).value()
    }

    func put(_ type: String, _ id: String, _ data: JSONValue, ifVersion: Int? = nil) -> CommitOperation {
        .put(type: type, id: id, data: data, ifVersion: ifVersion)
    }

    func get(_ type: String, _ id: String, at version: Int? = nil, includeDeleted: Bool = false) async throws -> Entity? {
        try store.entity(at: ReadPosition(session: session, at: version.map { .version($0) }), type: type, id: id,
                               includeDeleted: includeDeleted).entity
    }

    func all(_ type: String? = nil, at version: Int? = nil, filter: JSONValue? = nil, orderBy: [String] = [], limit: Int = 10_000) async throws -> [Entity] {
        try store.query(at: ReadPosition(session: session, at: version.map { .version($0) }),
                              EntityQuery(type: type, filter: filter, orderBy: orderBy, limit: limit)).entities
    }
}

/// Expects `body` to fail with an engine error of `code`; returns it for more checks.
@discardableResult
func expectError(_ code: EngineError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async -> EngineError? {
    do {
        try await body()
        Issue.record("expected \(code.rawValue), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as EngineError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected \(code.rawValue), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
