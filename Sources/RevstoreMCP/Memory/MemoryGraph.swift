import RevstoreEngine
import RevstoreJSON

/// The knowledge graph of the reference MCP memory server (entities with observations, and
/// relations between them), kept as Revstore entities in one session:
/// - `Entity`, id = its name: `{name, entityType}`;
/// - `Observation`, one per observation: `{entity, content, order}`, `order` giving the order
///   in which they were added;
/// - `Relation`, one per relation: `{from, to, relationType}`.
/// Every tool call that changes the graph is one commit, so every state of the memory is a
/// version that can be read, diffed and rolled back to.
struct MemoryGraph: Sendable, Equatable {
    struct Node: Sendable, Equatable {
        var name: String
        var entityType: String
        var observations: [String]

        var json: JSONValue {
            ["name": .string(name), "entityType": .string(entityType), "observations": .array(observations.map(JSONValue.string))]
        }
    }

    /// Equal, and hashed, by code points, as every name here is (`CodePointString`).
    struct Relation: Sendable, Hashable {
        var from: String
        var to: String
        var relationType: String

        static func == (a: Self, b: Self) -> Bool { a.key == b.key }
        func hash(into hasher: inout Hasher) { hasher.combine(key) }
        private var key: [CodePointString] { [CodePointString(from), CodePointString(to), CodePointString(relationType)] }

        var json: JSONValue { ["from": .string(from), "to": .string(to), "relationType": .string(relationType)] }
    }

    static let entityType = "Entity"
    static let observationType = "Observation"
    static let relationType = "Relation"

    /// In the order the nodes were created.
    var nodes: [Node]
    var relations: [Relation]
    /// The version read.
    var version: Int
    /// Engine ids of the observation and relation entities, for deleting them.
    var observationIDs: [CodePointString: [CodePointString: String]]  // entity name → content → id
    var relationIDs: [Relation: String]
    /// The next `order` of an observation, per entity.
    var nextOrder: [CodePointString: Int]

    var json: JSONValue { ["entities": .array(nodes.map(\.json)), "relations": .array(relations.map(\.json))] }

    func node(_ name: String) -> Node? { nodes.first { CodePointString($0.name) == CodePointString(name) } }

    /// The nodes `keep` selects, and the relations between two of them (as the reference does).
    func filtered(_ keep: (Node) -> Bool) -> JSONValue {
        let kept = nodes.filter(keep)
        let names = Set(kept.map { CodePointString($0.name) })
        return ["entities": .array(kept.map(\.json)),
                "relations": .array(relations.filter { names.contains(CodePointString($0.from)) && names.contains(CodePointString($0.to)) }.map(\.json))]
    }

    /// Reads the whole graph at a position, `onPage` called after each page read.
    static func read(_ store: Store, at position: ReadPosition, onPage: @Sendable (Int) -> Void = { _ in }) throws(EngineError) -> MemoryGraph {
        var version = 0
        var pages = 0
        func all(_ type: String) throws(EngineError) -> [Entity] {
            var found: [Entity] = []
            while true {
                let page = try store.query(at: position, EntityQuery(type: type, orderBy: ["$createdAtVersion"], limit: EntityQuery.maximumLimit, offset: found.count))
                version = page.version
                found += page.entities
                pages += 1
                onPage(pages)
                if page.entities.count < EntityQuery.maximumLimit { return found }
            }
        }
        let entities = try all(entityType)
        let observations = try all(observationType)
        let relations = try all(relationType)

        var observationsByNode: [CodePointString: [(order: Int, content: String, id: String)]] = [:]
        for observation in observations {
            guard let name = observation.data["entity"]?.stringValue, let content = observation.data["content"]?.stringValue else { continue }
            observationsByNode[CodePointString(name), default: []].append((observation.data["order"]?.intValue ?? 0, content, observation.id))
        }
        var graph = MemoryGraph(nodes: [], relations: [], version: version, observationIDs: [:], relationIDs: [:], nextOrder: [:])
        for entity in entities {
            let items = (observationsByNode[CodePointString(entity.id)] ?? []).sorted { ($0.order, $0.id) < ($1.order, $1.id) }
            graph.nodes.append(Node(name: entity.id, entityType: entity.data["entityType"]?.stringValue ?? "", observations: items.map(\.content)))
            graph.observationIDs[CodePointString(entity.id)] = Dictionary(items.map { (CodePointString($0.content), $0.id) }, uniquingKeysWith: { first, _ in first })
            graph.nextOrder[CodePointString(entity.id)] = (items.map(\.order).max() ?? -1) + 1
        }
        for entity in relations {
            guard let from = entity.data["from"]?.stringValue, let to = entity.data["to"]?.stringValue,
                  let type = entity.data["relationType"]?.stringValue else { continue }
            let relation = Relation(from: from, to: to, relationType: type)
            if graph.relationIDs[relation] == nil {
                graph.relations.append(relation)
                graph.relationIDs[relation] = entity.id
            }
        }
        return graph
    }
}

extension MemoryGraph {
    /// Ops that add an observation to a node.
    mutating func addObservation(_ content: String, to name: String) -> CommitOperation {
        let order = nextOrder[CodePointString(name), default: 0]
        nextOrder[CodePointString(name)] = order + 1
        // A fresh id, so two agents adding at once never write the same entity; duplicate
        // content is prevented by reading before writing, under `expectedVersion`.
        let id = "o-" + Identifier.make()
        observationIDs[CodePointString(name), default: [:]][CodePointString(content)] = id
        return .put(type: Self.observationType, id: id, data: ["entity": .string(name), "content": .string(content), "order": .integer(order)], ifVersion: 0)
    }
}
