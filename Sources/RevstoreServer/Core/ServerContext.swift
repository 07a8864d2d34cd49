import Logging
import RevstoreEngine
import RevstoreJSONRPC

/// What every method handler can reach: the store and how the server was started.
public final class ServerContext: Sendable {
    public let store: Store
    public let maximumMessageBytes: Int
    public let logger: Logger

    public init(store: Store, maximumMessageBytes: Int, logger: Logger) {
        self.store = store
        self.maximumMessageBytes = maximumMessageBytes
        self.logger = logger
    }
}

/// A protocol method bound to the server: one type per method, one file per type.
protocol ServerMethod: RPCMethod {
    static func register(in registry: inout MethodRegistry, context: ServerContext)
}
