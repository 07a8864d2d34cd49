import RevstoreJSON

/// A JSON-RPC error object: `{code, message, data}`.
///
/// Every error carries `data.reason`, a stable machine-readable string, beside the numeric
/// code. Codes are open: applications define their own as static members in an extension.
public struct RPCError: Error, Sendable, Hashable {
    public var code: Int
    /// One human sentence.
    public var message: String
    /// Always an object with at least `reason`.
    public var data: JSONValue

    public init(code: Int, reason: String, message: String, details: JSONObject = [:]) {
        self.code = code
        self.message = message
        var data = details
        data["reason"] = .string(reason)
        self.data = .object(data)
    }

    public var reason: String { data["reason"]?.stringValue ?? "" }

    public var jsonValue: JSONValue {
        .object(["code": .integer(code), "message": .string(message), "data": data])
    }
}

extension RPCError {
    public static func parseError(_ detail: String) -> RPCError {
        RPCError(code: -32700, reason: "PARSE_ERROR", message: "Parse error", details: ["detail": .string(detail)])
    }

    public static func invalidRequest(_ detail: String) -> RPCError {
        RPCError(code: -32600, reason: "INVALID_REQUEST", message: "Invalid Request", details: ["detail": .string(detail)])
    }

    public static func messageTooLarge(limit: Int) -> RPCError {
        RPCError(code: -32600, reason: "TOO_LARGE", message: "Invalid Request",
                 details: ["detail": .string("the message is longer than \(limit) bytes"), "limit": .integer(limit)])
    }

    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(code: -32601, reason: "METHOD_NOT_FOUND", message: "Method not found", details: ["method": .string(method)])
    }

    /// `path` is the dotted location of the offending parameter (`ops.3.type`), empty for the
    /// params object itself.
    public static func invalidParams(_ detail: String, path: String) -> RPCError {
        RPCError(code: -32602, reason: "INVALID_PARAMS", message: "Invalid params: \(detail)",
                 details: ["path": .string(path)])
    }

    public static func internalError(_ detail: String) -> RPCError {
        RPCError(code: -32603, reason: "INTERNAL_ERROR", message: "Internal error", details: ["detail": .string(detail)])
    }

    public static let cancelled = RPCError(code: -32800, reason: "CANCELLED", message: "The request was cancelled.")
}

/// An error that knows its JSON-RPC form; anything else thrown by a handler becomes `-32603`.
public protocol RPCErrorConvertible: Error {
    var rpcError: RPCError { get }
}

extension RPCError {
    /// Maps any error thrown while handling a request to the error object sent back.
    public init(_ error: any Error) {
        switch error {
        case let error as RPCError: self = error
        case let error as any RPCErrorConvertible: self = error.rpcError
        case let error as DecodingError: self = .init(decodingError: error)
        case is CancellationError: self = .cancelled
        default: self = .internalError(String(describing: error))
        }
    }

    init(decodingError: DecodingError) {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch decodingError {
        case .keyNotFound(let key, let context):
            let full = path(context.codingPath + [key])
            self = .invalidParams("missing required parameter \"\(full)\"", path: full)
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let at = path(context.codingPath)
            self = .invalidParams(at.isEmpty ? context.debugDescription : "\"\(at)\": \(context.debugDescription)", path: at)
        @unknown default:
            self = .invalidParams(String(describing: decodingError), path: "")
        }
    }
}
