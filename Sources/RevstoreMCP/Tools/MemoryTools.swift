import RevstoreEngine
import RevstoreJSON

/// The reference memory server's nine tools: same names, inputs and behaviour, and each change
/// is one version of the memory.
enum MemoryTools {
    static let all: [Tool] = [
        createEntities, createRelations, addObservations, deleteEntities, deleteObservations, deleteRelations,
        readGraph, searchNodes, openNodes,
    ]

    static let createEntities = Tool(
        name: "create_entities", title: "Create entities",
        description: "Create multiple new entities in the knowledge graph. Entities whose name already exists are left as they are; the result lists the ones created.",
        inputSchema: Schema.object(["entities": Schema.array(Schema.node, "The entities to create")], required: ["entities"]),
        outputSchema: Schema.object(["entities": Schema.array(Schema.node, "The entities created"),
                                     "version": ["type": ["integer", "null"], "description": "The memory version made; null when nothing changed"]],
                                    required: ["entities", "version"]),
        readOnly: false
    ) { call in
        struct Input: Decodable { var entities: [NodeInput] }
        let input = try call.decode(Input.self)
        for (index, node) in input.entities.enumerated() { try MemoryGraph.checkName(node.name, "entities[\(index)].name") }
        let context = call.context
        let (created, version) = try await context.change("create_entities") { graph in
            var operations: [CommitOperation] = []
            var created: [NodeInput] = []
            for node in input.entities where graph.node(node.name) == nil && !created.contains(where: { CodePointString($0.name) == CodePointString(node.name) }) {
                let data: JSONValue = ["name": .string(node.name), "entityType": .string(node.entityType)]
                operations.append(try await context.isDeletedNode(node.name)
                    ? .restore(type: MemoryGraph.entityType, id: node.name, data: data)
                    : .put(type: MemoryGraph.entityType, id: node.name, data: data, ifVersion: 0))
                var seen = Set<CodePointString>()
                for content in node.observations where seen.insert(CodePointString(content)).inserted {
                    operations.append(graph.addObservation(content, to: node.name))
                }
                created.append(node)
            }
            return (operations, created)
        }
        return ["entities": .array(created.map { MemoryGraph.Node(name: $0.name, entityType: $0.entityType, observations: $0.observations).json }),
                "version": version.map(JSONValue.integer) ?? .null]
    }

    static let createRelations = Tool(
        name: "create_relations", title: "Create relations",
        description: "Create multiple new relations between entities in the knowledge graph. Relations should be in active voice. Relations that already exist are left as they are; the result lists the ones created.",
        inputSchema: Schema.object(["relations": Schema.array(Schema.relation, "The relations to create")], required: ["relations"]),
        outputSchema: Schema.object(["relations": Schema.array(Schema.relation, "The relations created"),
                                     "version": ["type": ["integer", "null"], "description": "The memory version made; null when nothing changed"]],
                                    required: ["relations", "version"]),
        readOnly: false
    ) { call in
        struct Input: Decodable { var relations: [RelationInput] }
        let input = try call.decode(Input.self)
        let (created, version) = try await call.context.change("create_relations") { graph in
            var operations: [CommitOperation] = []
            var created: [MemoryGraph.Relation] = []
            for relation in input.relations.map(\.relation) where graph.relationIDs[relation] == nil && !created.contains(relation) {
                operations.append(.put(type: MemoryGraph.relationType, id: "r-" + Identifier.make(), data: relation.json, ifVersion: 0))
                created.append(relation)
            }
            return (operations, created)
        }
        return ["relations": .array(created.map(\.json)), "version": version.map(JSONValue.integer) ?? .null]
    }

    static let addObservations = Tool(
        name: "add_observations", title: "Add observations",
        description: "Add new observations to existing entities in the knowledge graph. Observations an entity already has are skipped; an entity that does not exist is an error, and then nothing is added.",
        inputSchema: Schema.object(["observations": Schema.array(Schema.object([
            "entityName": Schema.string("The name of the entity to add the observations to"),
            "contents": Schema.strings("An array of observation contents to add"),
        ], required: ["entityName", "contents"]), "The observations to add, per entity")], required: ["observations"]),
        outputSchema: Schema.object(["results": Schema.array(Schema.object([
            "entityName": Schema.string("The entity"), "addedObservations": Schema.strings("The observations added"),
        ], required: ["entityName", "addedObservations"]), "What was added to each entity"),
                                     "version": ["type": ["integer", "null"], "description": "The memory version made; null when nothing changed"]],
                                    required: ["results", "version"]),
        readOnly: false
    ) { call in
        struct Addition: Decodable { var entityName: String; var contents: [String] }
        struct Input: Decodable { var observations: [Addition] }
        let input = try call.decode(Input.self)
        let (results, version) = try await call.context.change("add_observations") { graph in
            var operations: [CommitOperation] = []
            var results: [JSONValue] = []
            for addition in input.observations {
                guard graph.node(addition.entityName) != nil else { throw ToolError("Entity with name \(addition.entityName) not found") }
                var added: [String] = []
                for content in addition.contents where graph.observationIDs[CodePointString(addition.entityName)]?[CodePointString(content)] == nil {
                    operations.append(graph.addObservation(content, to: addition.entityName))
                    added.append(content)
                }
                results.append(["entityName": .string(addition.entityName), "addedObservations": .array(added.map(JSONValue.string))])
            }
            return (operations, results)
        }
        return ["results": .array(results), "version": version.map(JSONValue.integer) ?? .null]
    }

    static let deleteEntities = Tool(
        name: "delete_entities", title: "Delete entities",
        description: "Delete multiple entities and their associated relations from the knowledge graph. Names that do not exist are ignored. Deleted entities stay in the memory's history: list_versions and rollback can bring them back.",
        inputSchema: Schema.object(["entityNames": Schema.strings("An array of entity names to delete")], required: ["entityNames"]),
        outputSchema: Schema.success, readOnly: false
    ) { call in
        struct Input: Decodable { var entityNames: [String] }
        let input = try call.decode(Input.self)
        let version = try await call.context.change("delete_entities") { graph in
            var names = Set<CodePointString>()
            var operations: [CommitOperation] = []
            for name in input.entityNames where graph.node(name) != nil && names.insert(CodePointString(name)).inserted {
                operations.append(.delete(type: MemoryGraph.entityType, id: name, ifVersion: nil))
                for id in (graph.observationIDs[CodePointString(name)] ?? [:]).values.sorted() {
                    operations.append(.delete(type: MemoryGraph.observationType, id: id, ifVersion: nil))
                }
            }
            for relation in graph.relations where names.contains(CodePointString(relation.from)) || names.contains(CodePointString(relation.to)) {
                operations.append(.delete(type: MemoryGraph.relationType, id: graph.relationIDs[relation]!, ifVersion: nil))
            }
            return (operations, ())
        }.version
        return ["success": true, "message": "Entities deleted successfully", "version": version.map(JSONValue.integer) ?? .null]
    }

    static let deleteObservations = Tool(
        name: "delete_observations", title: "Delete observations",
        description: "Delete specific observations from entities in the knowledge graph. Observations or entities that do not exist are ignored.",
        inputSchema: Schema.object(["deletions": Schema.array(Schema.object([
            "entityName": Schema.string("The name of the entity containing the observations"),
            "observations": Schema.strings("An array of observations to delete"),
        ], required: ["entityName", "observations"]), "The observations to delete, per entity")], required: ["deletions"]),
        outputSchema: Schema.success, readOnly: false
    ) { call in
        struct Deletion: Decodable { var entityName: String; var observations: [String] }
        struct Input: Decodable { var deletions: [Deletion] }
        let input = try call.decode(Input.self)
        let version = try await call.context.change("delete_observations") { graph in
            var ids: [String] = []
            for deletion in input.deletions {
                for content in deletion.observations {
                    if let id = graph.observationIDs[CodePointString(deletion.entityName)]?[CodePointString(content)], !ids.contains(id) { ids.append(id) }
                }
            }
            return (ids.map { .delete(type: MemoryGraph.observationType, id: $0, ifVersion: nil) }, ())
        }.version
        return ["success": true, "message": "Observations deleted successfully", "version": version.map(JSONValue.integer) ?? .null]
    }

    static let deleteRelations = Tool(
        name: "delete_relations", title: "Delete relations",
        description: "Delete multiple relations from the knowledge graph. Relations that do not exist are ignored.",
        inputSchema: Schema.object(["relations": Schema.array(Schema.relation, "An array of relations to delete")], required: ["relations"]),
        outputSchema: Schema.success, readOnly: false
    ) { call in
        struct Input: Decodable { var relations: [RelationInput] }
        let input = try call.decode(Input.self)
        let version = try await call.context.change("delete_relations") { graph in
            let ids = Set(input.relations.compactMap { graph.relationIDs[$0.relation] })
            return (ids.sorted().map { .delete(type: MemoryGraph.relationType, id: $0, ifVersion: nil) }, ())
        }.version
        return ["success": true, "message": "Relations deleted successfully", "version": version.map(JSONValue.integer) ?? .null]
    }

    static let readGraph = Tool(
        name: "read_graph", title: "Read the graph",
        description: "Read the entire knowledge graph, now or as it was at a version.",
        inputSchema: Schema.object(["at": Schema.at]), outputSchema: Schema.graph, readOnly: true
    ) { call in
        struct Input: Decodable { var at: Int? }
        let input = try call.decode(Input.self)
        return try await read(call, at: input.at).json
    }

    static let searchNodes = Tool(
        name: "search_nodes", title: "Search nodes",
        description: "Search for nodes in the knowledge graph based on a query: entities whose name, type or an observation contains it (ignoring case), and the relations between them.",
        inputSchema: Schema.object(["query": Schema.string("The search query to match against entity names, types, and observation content"), "at": Schema.at],
                                   required: ["query"]),
        outputSchema: Schema.graph, readOnly: true
    ) { call in
        struct Input: Decodable { var query: String; var at: Int? }
        let input = try call.decode(Input.self)
        let query = input.query.lowercased()
        return try await read(call, at: input.at).filtered { node in
            node.name.lowercased().contains(query) || node.entityType.lowercased().contains(query)
                || node.observations.contains { $0.lowercased().contains(query) }
        }
    }

    static let openNodes = Tool(
        name: "open_nodes", title: "Open nodes",
        description: "Open specific nodes in the knowledge graph by their names: those entities and the relations between them. Names that do not exist are skipped.",
        inputSchema: Schema.object(["names": Schema.strings("An array of entity names to retrieve"), "at": Schema.at], required: ["names"]),
        outputSchema: Schema.graph, readOnly: true
    ) { call in
        struct Input: Decodable { var names: [String]; var at: Int? }
        let input = try call.decode(Input.self)
        let names = Set(input.names.map { CodePointString($0) })
        return try await read(call, at: input.at).filtered { names.contains(CodePointString($0.name)) }
    }

    /// The graph at `at` (or the head), reporting a page of progress at a time.
    static func read(_ call: ToolCall, at: Int?) async throws -> MemoryGraph {
        let progress = call.progress
        return try MemoryGraph.read(call.context.store, at: call.context.position(at: at)) { pages in
            progress.report(pages, total: nil, "read \(pages) page(s) of the memory")
        }
    }
}
