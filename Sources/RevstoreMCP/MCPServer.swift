import Foundation
import Logging
import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// Revstore as an MCP server: the reference memory server's tools, with every change a version,
/// over MCP's stdio transport (newline-delimited JSON-RPC) on the project's own JSON-RPC layer.
public enum MCPServer {
    /// The MCP revisions this server speaks, oldest first; `initialize` answers the client's
    /// when it is one of these, else the newest.
    static let protocolVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]

    static let tools: [Tool] = MemoryTools.all + HistoryTools.all

    static let instructions = """
        A knowledge-graph memory that keeps every version. Store facts as entities (with observations) \
        and relations; every change is a version: list_versions shows them, read_graph/search_nodes/open_nodes \
        take `at` to read an old one, diff_versions compares two, rollback returns to one. create_branch, \
        switch_branch and merge_branch let you try an alternative without touching the main memory.
        """

    /// Serves MCP on `inputFD` and `outputFD` until the client is done; returns the exit code.
    public static func serve(context: MCPContext, inputFD: Int32, outputFD: Int32, transportOptions: StdioTransport.Options) -> Int32 {
        let transport = StdioTransport(inputFD: inputFD, outputFD: outputFD, options: transportOptions, logger: context.logger)
        let connection = Connection(registry: makeRegistry(context: context), sink: transport.output, logger: context.logger)
        context.logger.info("serving MCP on stdio", metadata: ["store": "\(context.store.path)", "session": "\(context.session)"])
        let stopped = transport.run(connection)
        context.store.close()
        if case .exitRequested(let code) = stopped { return code }
        return 0
    }

    public static func makeRegistry(context: MCPContext) -> MethodRegistry {
        var registry = MethodRegistry()
        registry.registerImmediate("initialize") { params, _ in
            context.actor = params?["clientInfo"]?["name"]?.stringValue
            let requested = params?["protocolVersion"]?.stringValue
            let version = requested.flatMap { protocolVersions.contains($0) ? $0 : nil } ?? protocolVersions.last!
            return ["protocolVersion": .string(version),
                    "capabilities": ["tools": ["listChanged": false], "resources": ["subscribe": true, "listChanged": false]],
                    "serverInfo": ["name": "revstore", "title": "Revstore memory", "version": .string(context.serverVersion)],
                    "instructions": .string(instructions)]
        }
        registry.registerImmediate("notifications/initialized") { _, _ in .null }
        registry.registerImmediate("ping") { _, _ in .object([:]) }
        registry.registerImmediate("notifications/cancelled") { params, request in
            if let id = params?["requestId"].flatMap(RequestID.init) {
                request.connection.cancel(id)
                context.toolCalls.cancel(id)
            }
            return .null
        }
        registry.registerImmediate("tools/list") { _, _ in ["tools": .array(tools.map(\.listing))] }
        // Tool calls run one after another in the order they arrive, so a client that sends a
        // change and then a read without waiting reads its change.
        registry.registerOrdered("tools/call") { params, request in
            guard let name = params?["name"]?.stringValue else { throw RPCError.invalidParams("tools/call needs a tool name", path: "name") }
            guard let tool = tools.first(where: { $0.name == name }) else {
                throw RPCError.invalidParams("Unknown tool: \(name); tools/list names them", path: "name")
            }
            let progress = Progress(token: params?["_meta"]?["progressToken"], connection: request.connection)
            let call = ToolCall(context: context, arguments: params?["arguments"] ?? [:], progress: progress)
            return context.toolCalls.enqueue(request.id) { try await run(tool, call) }
        }
        Resources.register(in: &registry, context: context)
        return registry
    }

    /// A tool's answer: its structured result and the same as text, or a refusal the agent can
    /// act on (`isError: true`); never a protocol error.
    static func run(_ tool: Tool, _ call: ToolCall) async throws -> JSONValue {
        do {
            let result = try await tool.run(call)
            return ["content": [["type": "text", "text": .string(result.description)]], "structuredContent": result, "isError": false]
        } catch is CancellationError {
            throw RPCError.cancelled
        } catch {
            let message: String
            switch error {
            case let error as ToolError: message = error.message
            case let error as EngineError: message = error.message
            default: message = "\(error)"
            }
            return ["content": [["type": "text", "text": .string("\(tool.name) failed: \(message)")]], "isError": true]
        }
    }
}
