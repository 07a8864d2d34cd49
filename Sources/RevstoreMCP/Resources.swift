import Foundation
import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// Sessions as MCP resources (`revstore://session/NAME`), read as their memory graph, with
/// `notifications/resources/updated` whenever one changes, in this process or another.
enum Resources {
    static let scheme = "revstore://session/"

    static func uri(_ session: String) -> String {
        scheme + (session.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#%"))) ?? session)
    }

    static func session(in uri: String) throws -> String {
        guard uri.hasPrefix(scheme), let name = String(uri.dropFirst(scheme.count)).removingPercentEncoding, !name.isEmpty else {
            throw RPCError(code: -32002, reason: "NOT_FOUND", message: "Resource not found: \(uri)", details: ["uri": .string(uri)])
        }
        return name
    }

    static func register(in registry: inout MethodRegistry, context: MCPContext) {
        registry.registerConcurrent("resources/list") { params, _ in
            let page = try context.store.sessions(limit: 100, after: params?["cursor"]?.stringValue)
            var result: JSONObject = ["resources": .array(page.sessions.map { session in
                ["uri": .string(uri(session.name)), "name": .string(session.name), "title": .string("Session \(session.name)"),
                 "description": .string("The memory of session \(session.name) at version \(session.version): its entities, observations and relations"),
                 "mimeType": "application/json"]
            })]
            if let next = page.next { result["nextCursor"] = .string(next) }
            return .object(result)
        }
        registry.registerConcurrent("resources/read") { params, _ in
            let uri = params?["uri"]?.stringValue ?? ""
            let name = try session(in: uri)
            let session: Session
            do {
                session = try context.store.session(name)
            } catch let error as EngineError where error.code == .notFound {
                throw RPCError(code: -32002, reason: "NOT_FOUND", message: "Resource not found: \(uri)", details: ["uri": .string(uri)])
            }
            let graph = try MemoryGraph.read(context.store, at: ReadPosition(session: name))
            let content: JSONValue = ["session": .string(name), "branch": .string(session.defaultBranch), "version": .integer(graph.version), "memory": graph.json]
            return ["contents": [["uri": .string(uri), "mimeType": "application/json", "text": .string(content.description)]]]
        }
        registry.registerOrdered("resources/subscribe") { params, request in
            let uri = params?["uri"]?.stringValue ?? ""
            let name = try session(in: uri)
            guard !context.hasSubscription(uri) else { return .value(.object([:])) }
            let connection = request.connection
            let ticket = context.store.submitSubscribe(EventFilter(session: name), since: nil) { _, _ in
                connection.notify(method: "notifications/resources/updated", params: ["uri": .string(uri)])
            }
            return Deferred { completion in
                ticket.whenDone { outcome in
                    completion(outcome.map { subscription in
                        if context.addSubscription(uri, subscription.id) {
                            context.store.events.activate(subscription.id)
                        } else {
                            _ = context.store.events.unsubscribe(subscription.id)
                        }
                        return .object([:])
                    }.mapError { $0 as any Error })
                }
            }
        }
        registry.registerImmediate("resources/unsubscribe") { params, _ in
            if let id = context.removeSubscription(params?["uri"]?.stringValue ?? "") { _ = context.store.events.unsubscribe(id) }
            return .object([:])
        }
    }
}
