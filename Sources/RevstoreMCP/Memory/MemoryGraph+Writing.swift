import RevstoreEngine
import RevstoreJSON

extension MCPContext {
    /// Plans a change against the memory at the head of this connection's branch and commits it
    /// as one version, with the tool's name as its message. The commit names the version it
    /// was planned on (`expectedVersion`): when another agent committed in between, the change is
    /// planned again on the new state, so concurrent agents never overwrite each other.
    /// Returns the plan's result and the new version (nil when nothing changed).
    func change<Result: Sendable>(
        _ tool: String,
        plan: @Sendable (inout MemoryGraph) async throws -> (operations: [CommitOperation], result: Result)
    ) async throws -> (result: Result, version: Int?) {
        for _ in 0..<50 {
            var graph = try MemoryGraph.read(store, at: position())
            let planned = try await plan(&graph)
            if planned.operations.isEmpty { return (planned.result, nil) }
            let request = CommitRequest(session: session, branch: branch, operations: planned.operations, expectedVersion: graph.version,
                                        message: tool, actor: actor)
            do {
                let commit = try await store.submitCommit(request).value()
                return (planned.result, commit.created ? commit.version : nil)
            } catch let error as EngineError where error.code == .conflict && error.details["opIndex"] == nil {
                continue  // another writer moved the head: plan again on what it wrote
            }
        }
        throw ToolError("the memory kept changing under this call; try again")
    }

    /// Whether an entity by this name was deleted (so creating it again restores it).
    func isDeletedNode(_ name: String) async throws -> Bool {
        try store.entity(at: position(), type: MemoryGraph.entityType, id: name, includeDeleted: true).entity?.deleted == true
    }
}

/// The shapes tools take, decoded from their arguments.
struct NodeInput: Decodable, Sendable {
    var name: String
    var entityType: String
    var observations: [String]
}

struct RelationInput: Decodable, Sendable, Hashable {
    var from: String
    var to: String
    var relationType: String

    var relation: MemoryGraph.Relation { MemoryGraph.Relation(from: from, to: to, relationType: relationType) }
}

extension MemoryGraph {
    /// An entity name must be usable as an id: 1 to 512 characters, no control characters.
    static func checkName(_ name: String, _ argument: String) throws {
        guard !name.isEmpty, name.count <= 512, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ToolError("\(argument) must be 1 to 512 characters without control characters")
        }
    }
}
