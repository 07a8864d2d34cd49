import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// Revstore's application error codes (protocol/README.md §9).
extension RPCError {
    public static let shuttingDown = RPCError(code: -32010, reason: "SHUTTING_DOWN", message: "The server is shutting down.")
}

extension EngineError: RPCErrorConvertible {
    /// The protocol's code for each engine reason; a malformed argument is `-32602`.
    static let codes: [EngineError.Code: Int] = [
        .notFound: -32001, .alreadyExists: -32002, .conflict: -32003, .validationFailed: -32004,
        .mergeConflict: -32005, .invalidState: -32006, .schemaConflict: -32007, .busy: -32008, .storage: -32009,
        .timeout: -32011, .uniqueViolation: -32012, .cancelled: -32800,
    ]

    public var rpcError: RPCError {
        if code == .invalidArgument {
            var error = RPCError.invalidParams(message, path: details["path"]?.stringValue ?? "")
            if case .object(var data) = error.data {
                for (key, value) in details where data[key] == nil { data[key] = value }
                error.data = .object(data)
            }
            return error
        }
        return RPCError(code: Self.codes[code] ?? -32603, reason: code.rawValue, message: message, details: details)
    }
}
