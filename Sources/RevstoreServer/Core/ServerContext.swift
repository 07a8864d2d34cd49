import Logging
import RevstoreEngine
import RevstoreJSONRPC

/// What every method handler can reach: the store, how the server was started, and the
/// connection it serves.
public final class ServerContext: Sendable {
    public let store: Store
    public let maximumMessageBytes: Int
    public let logger: Logger
    /// Whether the connection's host keeps up with its output, so that events may go live.
    let canDeliverEvents: EventHub.CanDeliver

    public convenience init(store: Store, maximumMessageBytes: Int, logger: Logger) {
        self.init(store: store, maximumMessageBytes: maximumMessageBytes, logger: logger, canDeliverEvents: { true })
    }

    private init(store: Store, maximumMessageBytes: Int, logger: Logger, canDeliverEvents: @escaping EventHub.CanDeliver) {
        self.store = store
        self.maximumMessageBytes = maximumMessageBytes
        self.logger = logger
        self.canDeliverEvents = canDeliverEvents
    }

    /// This context for a connection that writes to `output`: past `RevstoreServer.eventBacklogBytes`
    /// of unread output there, its subscriptions stop taking live events and later resume from
    /// the durable feed; responses are never held back.
    func serving(_ output: OutputChannel) -> ServerContext {
        ServerContext(store: store, maximumMessageBytes: maximumMessageBytes, logger: logger,
                      canDeliverEvents: { output.queuedBytes < RevstoreServer.eventBacklogBytes })
    }
}

/// A protocol method bound to the server: one type per method, one file per type.
protocol ServerMethod: RPCMethod {
    static func register(in registry: inout MethodRegistry, context: ServerContext)
}
