import RevstoreEngine
import RevstoreJSONRPC

/// Revstore's application error codes (protocol §5).
extension RPCError {
    public static let shuttingDown = RPCError(code: -32010, reason: "SHUTTING_DOWN", message: "The server is shutting down.")

    static func busy(_ detail: String) -> RPCError {
        RPCError(code: -32008, reason: "BUSY", message: "The store stayed locked past the busy timeout; try again.", details: ["detail": .string(detail)])
    }

    static func storage(_ detail: String) -> RPCError {
        RPCError(code: -32009, reason: "STORAGE_ERROR", message: "The store could not be read or written.", details: ["detail": .string(detail)])
    }
}

extension StoreError: RPCErrorConvertible {
    public var rpcError: RPCError {
        switch kind {
        case .busy: .busy(description)
        case .storage: .storage(description)
        }
    }
}
