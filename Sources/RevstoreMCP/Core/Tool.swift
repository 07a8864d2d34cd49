import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// An MCP tool: what `tools/list` shows of it, and what `tools/call` runs.
struct Tool: Sendable {
    var name: String
    var title: String
    var description: String
    var inputSchema: JSONValue
    var outputSchema: JSONValue
    /// Whether the tool only reads (MCP's `readOnlyHint`); the others each make at most one version.
    var readOnly: Bool
    var run: @Sendable (ToolCall) async throws -> JSONValue

    var listing: JSONValue {
        ["name": .string(name), "title": .string(title), "description": .string(description),
         "inputSchema": inputSchema, "outputSchema": outputSchema,
         "annotations": ["title": .string(title), "readOnlyHint": .bool(readOnly), "destructiveHint": .bool(false),
                         "idempotentHint": .bool(readOnly), "openWorldHint": false]]
    }
}

/// A refusal worth telling the agent: it becomes a result with `isError: true`.
struct ToolError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// One call of a tool: its arguments, and a way to report progress.
struct ToolCall: Sendable {
    let context: MCPContext
    let arguments: JSONValue
    let progress: Progress

    /// The arguments as `T`, or a message naming the argument at fault.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONValueDecoder().decode(type, from: arguments)
        } catch let error as DecodingError {
            throw ToolError(Self.describe(error))
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "missing argument \(parent.isEmpty ? "" : parent + ".")\(key.stringValue)"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "argument \(path(context.codingPath)) must be \(Self.name(of: type))"
        case .dataCorrupted(let context):
            return "argument \(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "the arguments do not fit the tool's input schema"
        }
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Bool.Type: "true or false"
        case is [String].Type: "an array of strings"
        default: type is any Collection.Type ? "an array" : "an object"
        }
    }
}

/// `notifications/progress` for a call that asked for it with `_meta.progressToken`.
struct Progress: Sendable {
    let token: JSONValue?
    let connection: Connection?

    func report(_ progress: Int, total: Int? = nil, _ message: String) {
        guard let token, let connection else { return }
        var params: JSONObject = ["progressToken": token, "progress": .integer(progress), "message": .string(message)]
        if let total { params["total"] = .integer(total) }
        connection.notify(method: "notifications/progress", params: JSONValue.object(params))
    }
}

/// JSON Schema pieces for tool inputs and outputs.
enum Schema {
    static func object(_ properties: JSONObject, required: [String] = [], description: String? = nil) -> JSONValue {
        var schema: JSONObject = ["type": "object", "properties": .object(properties), "required": .array(required.map(JSONValue.string))]
        if let description { schema["description"] = .string(description) }
        return .object(schema)
    }

    static func string(_ description: String) -> JSONValue { ["type": "string", "description": .string(description)] }
    static func integer(_ description: String, minimum: Int = 1) -> JSONValue {
        ["type": "integer", "minimum": .integer(minimum), "description": .string(description)]
    }
    static func boolean(_ description: String) -> JSONValue { ["type": "boolean", "description": .string(description)] }
    static func array(_ items: JSONValue, _ description: String) -> JSONValue { ["type": "array", "items": items, "description": .string(description)] }
    static func strings(_ description: String) -> JSONValue { array(["type": "string"], description) }
    static func oneOf(_ values: [String], _ description: String) -> JSONValue {
        ["type": "string", "enum": .array(values.map(JSONValue.string)), "description": .string(description)]
    }

    static let node = object([
        "name": string("The name of the entity"),
        "entityType": string("The type of the entity"),
        "observations": strings("An array of observation contents associated with the entity"),
    ], required: ["name", "entityType", "observations"])

    static let relation = object([
        "from": string("The name of the entity where the relation starts"),
        "to": string("The name of the entity where the relation ends"),
        "relationType": string("The type of the relation"),
    ], required: ["from", "to", "relationType"])

    static let graph = object(["entities": array(node, "The entities"), "relations": array(relation, "The relations between them")],
                              required: ["entities", "relations"])

    static let success = object(["success": boolean("Always true"), "message": string("What was done"),
                                 "version": ["type": ["integer", "null"], "description": "The memory version this call made; null when nothing changed"]],
                                required: ["success", "message", "version"])

    static let at = integer("Read the memory as it was at this version (see list_versions); the latest when omitted")
}
