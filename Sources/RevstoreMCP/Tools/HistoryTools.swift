import RevstoreEngine
import RevstoreJSON

/// What no file-based memory server has: every version of the memory, what changed in it,
/// rollbacks, and branches to try an alternative on.
enum HistoryTools {
    static let all: [Tool] = [listVersions, diffVersions, rollback, listBranches, createBranch, switchBranch, mergeBranch]

    static let change = Schema.object([
        "kind": Schema.oneOf(["entity", "observation", "relation"], "What changed"),
        "change": Schema.oneOf(["created", "updated", "deleted", "restored"], "How it changed"),
        "summary": Schema.string("Which entity, observation or relation"),
    ], required: ["kind", "change", "summary"])

    static let listVersions = Tool(
        name: "list_versions", title: "List versions",
        description: "List the versions of the memory on the current branch, newest first: each with its number, time, the tool that made it and what it changed. Use a version number with read_graph, search_nodes or open_nodes (at), diff_versions or rollback.",
        inputSchema: Schema.object(["limit": Schema.integer("How many versions, newest first (default 20, at most 1000)"),
                                    "before": Schema.integer("Only versions before this one, to page further back")]),
        outputSchema: Schema.object(["versions": Schema.array(Schema.object([
            "version": Schema.integer("The version number"), "time": Schema.string("When it was made (RFC 3339 UTC)"),
            "message": ["type": ["string", "null"], "description": "The tool that made it"],
            "actor": ["type": ["string", "null"], "description": "The client that made it"],
            "changes": Schema.array(change, "What it changed"),
        ], required: ["version", "time", "message", "actor", "changes"]), "Newest first")], required: ["versions"]),
        readOnly: true
    ) { call in
        struct Input: Decodable, Sendable { var limit: Int?; var before: Int? }
        let input = try call.decode(Input.self)
        let limit = input.limit ?? 20
        guard (1...1000).contains(limit) else { throw ToolError("limit must be 1 to 1000") }
        let context = call.context
        let versions = try context.store.versions(session: context.session, branch: context.branch, limit: limit, before: input.before)
        var listed: [JSONValue] = []
        for (index, info) in versions.enumerated() {
            let changes = try context.store.version(session: context.session, branch: context.branch, number: info.version).changes
            var summaries: [JSONValue] = []
            for change in changes {
                summaries.append(try await summary(of: change, in: context, at: info.version))
            }
            listed.append(["version": .integer(info.version), "time": .string(info.createdAt), "message": info.message.map(JSONValue.string) ?? .null,
                           "actor": info.actor.map(JSONValue.string) ?? .null, "changes": .array(summaries)])
            call.progress.report(index + 1, total: versions.count, "version \(info.version)")
        }
        return ["versions": .array(listed)]
    }

    /// A change in words an agent can read: the entity, observation or relation it touched.
    static func summary(of change: Change, in context: MCPContext, at version: Int) async throws -> JSONValue {
        // A deletion's own row is a tombstone that keeps the data, so the version itself tells what it was.
        let entity = try context.store.entity(at: context.position(at: version), type: change.type, id: change.id, includeDeleted: true).entity
        let kind: String, summary: String
        switch change.type {
        case MemoryGraph.observationType:
            kind = "observation"
            summary = "\(entity?.data["entity"]?.stringValue ?? "?"): \(entity?.data["content"]?.stringValue ?? "?")"
        case MemoryGraph.relationType:
            kind = "relation"
            summary = "\(entity?.data["from"]?.stringValue ?? "?") \(entity?.data["relationType"]?.stringValue ?? "?") \(entity?.data["to"]?.stringValue ?? "?")"
        default:
            kind = "entity"
            summary = "\(change.id) (\(entity?.data["entityType"]?.stringValue ?? "?"))"
        }
        return ["kind": .string(kind), "change": .string(change.change.rawValue), "summary": .string(summary)]
    }

    static let diffVersions = Tool(
        name: "diff_versions", title: "Diff versions",
        description: "What changed in the memory between two versions: entities, observations and relations added and removed, and entities whose type changed.",
        inputSchema: Schema.object(["from": Schema.integer("The earlier version"), "to": Schema.integer("The later version")], required: ["from", "to"]),
        outputSchema: Schema.object([
            "entities": Schema.object(["added": Schema.array(Schema.node, "Entities added"), "removed": Schema.array(Schema.node, "Entities removed"),
                                       "changed": Schema.array(Schema.object(["name": Schema.string("The entity"), "before": Schema.string("Its type before"),
                                                                              "after": Schema.string("Its type after")], required: ["name", "before", "after"]),
                                                               "Entities whose type changed")], required: ["added", "removed", "changed"]),
            "observations": Schema.object(["added": Schema.array(observation, "Observations added"), "removed": Schema.array(observation, "Observations removed")],
                                          required: ["added", "removed"]),
            "relations": Schema.object(["added": Schema.array(Schema.relation, "Relations added"), "removed": Schema.array(Schema.relation, "Relations removed")],
                                       required: ["added", "removed"]),
        ], required: ["entities", "observations", "relations"]),
        readOnly: true
    ) { call in
        struct Input: Decodable, Sendable { var from: Int; var to: Int }
        let input = try call.decode(Input.self)
        let context = call.context
        let differences = try context.store.diff(from: context.position(at: input.from), to: context.position(at: input.to), type: nil)
        var nodesAdded: [JSONValue] = [], nodesRemoved: [JSONValue] = [], nodesChanged: [JSONValue] = []
        var observationsAdded: [JSONValue] = [], observationsRemoved: [JSONValue] = []
        // Each side's graph is read at most once, and only when an entity came or went.
        var graphs: [Int: MemoryGraph] = [:]
        func observations(of name: String, at version: Int) async throws -> [JSONValue] {
            if graphs[version] == nil { graphs[version] = try MemoryGraph.read(context.store, at: context.position(at: version)) }
            return (graphs[version]?.node(name)?.observations ?? []).map(JSONValue.string)
        }
        var relationsAdded: [JSONValue] = [], relationsRemoved: [JSONValue] = []
        for difference in differences {
            let data = (difference.after ?? difference.before)?.data ?? [:]
            switch (difference.type, difference.change) {
            case (MemoryGraph.entityType, .modified):
                nodesChanged.append(["name": .string(difference.id), "before": difference.before?.data["entityType"] ?? "",
                                     "after": difference.after?.data["entityType"] ?? ""])
            case (MemoryGraph.entityType, let change):
                let node: JSONValue = ["name": .string(difference.id), "entityType": data["entityType"] ?? "",
                                       "observations": .array(try await observations(of: difference.id, at: change == .added ? input.to : input.from))]
                if change == .added { nodesAdded.append(node) } else { nodesRemoved.append(node) }
            case (MemoryGraph.observationType, let change):
                let item: JSONValue = ["entityName": data["entity"] ?? "", "content": data["content"] ?? ""]
                if change == .added { observationsAdded.append(item) } else if change == .removed { observationsRemoved.append(item) }
            case (MemoryGraph.relationType, let change):
                let item: JSONValue = ["from": data["from"] ?? "", "to": data["to"] ?? "", "relationType": data["relationType"] ?? ""]
                if change == .added { relationsAdded.append(item) } else if change == .removed { relationsRemoved.append(item) }
            default:
                continue
            }
        }
        return ["entities": ["added": .array(nodesAdded), "removed": .array(nodesRemoved), "changed": .array(nodesChanged)],
                "observations": ["added": .array(observationsAdded), "removed": .array(observationsRemoved)],
                "relations": ["added": .array(relationsAdded), "removed": .array(relationsRemoved)]]
    }

    static let observation = Schema.object(["entityName": Schema.string("The entity"), "content": Schema.string("The observation")],
                                           required: ["entityName", "content"])

    static let rollback = Tool(
        name: "rollback", title: "Roll back",
        description: "Make the memory what it was at an earlier version, as a new version (nothing is lost: the versions in between stay in the history, and a later rollback can return to them).",
        inputSchema: Schema.object(["to": Schema.integer("The version whose memory to return to (see list_versions)")], required: ["to"]),
        outputSchema: Schema.object(["version": ["type": ["integer", "null"], "description": "The new version; null when the memory already was that"],
                                     "restoredFrom": Schema.integer("The version returned to"), "changes": Schema.integer("How many items changed", minimum: 0)],
                                    required: ["version", "restoredFrom", "changes"]),
        readOnly: false
    ) { call in
        struct Input: Decodable, Sendable { var to: Int }
        let input = try call.decode(Input.self)
        let context = call.context
        call.progress.report(0, total: 1, "rolling back to version \(input.to)")
        let result = try await context.store.submitRollback(session: context.session, branch: context.branch, to: .version(input.to),
                                                            message: "rollback to \(input.to)", actor: context.actor, expectedVersion: nil).value()
        call.progress.report(1, total: 1, "rolled back to version \(input.to)")
        return ["version": result.created ? .integer(result.version) : .null, "restoredFrom": .integer(input.to), "changes": .integer(result.changes.count)]
    }

    static let branchSchema = Schema.object(["name": Schema.string("The branch"), "head": Schema.integer("Its latest version"),
                                             "from": ["type": ["object", "null"], "description": "The branch and version it was created from"],
                                             "current": Schema.boolean("Whether this connection works on it")],
                                            required: ["name", "head", "from", "current"])

    static func describe(_ branch: Branch, current: String?) -> JSONValue {
        ["name": .string(branch.name), "head": .integer(branch.head),
         "from": branch.base.map { ["branch": .string($0.branch), "version": .integer($0.version)] } ?? .null,
         "current": .bool(branch.name == current)]
    }

    static let listBranches = Tool(
        name: "list_branches", title: "List branches",
        description: "List the memory's branches, and which one this connection works on.",
        inputSchema: Schema.object([:]), outputSchema: Schema.object(["branches": Schema.array(branchSchema, "Every branch")], required: ["branches"]),
        readOnly: true
    ) { call in
        let context = call.context
        let current = try await currentBranch(context)
        let branches = try context.store.branches(session: context.session)
        return ["branches": .array(branches.map { describe($0, current: current) })]
    }

    static func currentBranch(_ context: MCPContext) async throws -> String {
        if let branch = context.branch { return branch }
        return try context.store.session(context.session).defaultBranch
    }

    static let createBranch = Tool(
        name: "create_branch", title: "Create a branch",
        description: "Create a branch of the memory to try an alternative on, from the current branch now or at a version. It costs nothing, whatever the memory's size. Use switch_branch to work on it and merge_branch to bring it back.",
        inputSchema: Schema.object(["name": Schema.string("The new branch's name: letters, digits, . _ / -"),
                                    "from": Schema.integer("The version of the current branch to start from (default: its latest)")], required: ["name"]),
        outputSchema: branchSchema, readOnly: false
    ) { call in
        struct Input: Decodable, Sendable { var name: String; var from: Int? }
        let input = try call.decode(Input.self)
        let context = call.context
        let current = try await currentBranch(context)
        let branch = try await context.store.submitCreateBranch(session: context.session, name: input.name, fromBranch: current,
                                                                fromAt: input.from.map { .version($0) }).value()
        return describe(branch, current: current)
    }

    static let switchBranch = Tool(
        name: "switch_branch", title: "Switch branch",
        description: "Work on another branch of the memory: every later tool call of this connection reads and writes it. Other agents sharing the store are not moved.",
        inputSchema: Schema.object(["name": Schema.string("The branch to work on")], required: ["name"]),
        outputSchema: branchSchema, readOnly: false
    ) { call in
        struct Input: Decodable, Sendable { var name: String }
        let input = try call.decode(Input.self)
        let context = call.context
        let branch = try context.store.branch(session: context.session, name: input.name)
        context.branch = branch.name
        return describe(branch, current: branch.name)
    }

    static let mergeBranch = Tool(
        name: "merge_branch", title: "Merge a branch",
        description: "Bring what changed on a branch into the current branch, as one new version. When both changed the same item differently, nothing is merged and the conflicts are listed, unless onConflict says which side wins.",
        inputSchema: Schema.object(["source": Schema.string("The branch to merge from"),
                                    "onConflict": Schema.oneOf(["fail", "source", "target"], "What to do when both sides changed the same item: fail (default), or take the source's or the current branch's")],
                                   required: ["source"]),
        outputSchema: Schema.object(["version": ["type": ["integer", "null"], "description": "The new version; null when there was nothing to bring"],
                                     "changes": Schema.integer("How many items changed", minimum: 0),
                                     "conflicts": Schema.array(["type": "object"], "The conflicts found, settled as onConflict said")],
                                    required: ["version", "changes", "conflicts"]),
        readOnly: false
    ) { call in
        struct Input: Decodable, Sendable { var source: String; var onConflict: String? }
        let input = try call.decode(Input.self)
        guard let strategy = MergeStrategy(rawValue: input.onConflict ?? "fail") else { throw ToolError("onConflict must be fail, source or target") }
        let context = call.context
        let result = try await context.store.submitMerge(session: context.session, source: input.source, target: try await currentBranch(context),
                                                         message: "merge_branch \(input.source)", actor: context.actor, strategy: strategy).value()
        return ["version": result.commit.created ? .integer(result.commit.version) : .null, "changes": .integer(result.commit.changes.count),
                "conflicts": .array(result.conflicts.map(\.json))]
    }
}
