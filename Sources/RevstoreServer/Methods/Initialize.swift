import RevstoreJSON
import RevstoreJSONRPC

/// `initialize`: optional handshake; says who the server is and what it can do.
struct InitializeRequest: ServerMethod {
    static let method = "initialize"

    struct ClientInfo: Codable, Sendable {
        var name: String?
        var version: String?
    }

    var clientInfo: ClientInfo?
    var protocolVersion: String?

    struct Response: Encodable, JSONWritable {
        struct ServerInfo: Encodable, Sendable {
            var name = "revstore"
            var version = RevstoreServer.version
        }
        struct Capabilities: Encodable, Sendable {
            var methods: [String]
            var batches = true
            var cancellation = true
            /// `subscribe` and `feed/read` serve the change feed, other processes' commits included.
            var events = true
            var maxMessageBytes: Int
        }
        struct StoreInfo: Encodable, Sendable {
            var path: String
            var backend = "sqlite"
        }
        var protocolVersion = RevstoreServer.protocolVersion
        var serverInfo = ServerInfo()
        var capabilities: Capabilities
        var store: StoreInfo
    }

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        let methods = RevstoreServer.methods.map { $0.method }.filter { !$0.hasPrefix("$/") }.sorted()
        registry.immediate(Self.self) { request, _ in
            if let client = request.clientInfo?.name {
                context.logger.info("client connected", metadata: ["client": "\(client)", "version": "\(request.clientInfo?.version ?? "?")"])
            }
            return Response(
                capabilities: .init(methods: methods, maxMessageBytes: context.maximumMessageBytes),
                store: .init(path: context.store.path)
            )
        }
    }
}
