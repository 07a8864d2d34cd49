import Foundation
import Logging
import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// The Revstore JSON-RPC server: protocol methods bound to a store.
public enum RevstoreServer {
    public static let version = "0.1.0"
    public static let protocolVersion = "1"
    /// How much unread output live event delivery tolerates before falling back to the feed.
    static let eventBacklogBytes = 4 << 20

    /// Every method the server answers, in the order they are documented.
    static let methods: [any ServerMethod.Type] = [
        InitializeRequest.self,
        PingRequest.self,
        ShutdownRequest.self,
        ExitNotification.self,
        CancelRequestNotification.self,
        SessionCreateRequest.self,
        SessionGetRequest.self,
        SessionListRequest.self,
        SessionDeleteRequest.self,
        SessionCopyRequest.self,
        SessionCheckoutRequest.self,
        CommitRequestParams.self,
        EntityPutRequest.self,
        EntityPatchRequest.self,
        EntityDeleteRequest.self,
        EntityRestoreRequest.self,
        EntityForkRequest.self,
        EntityPurgeRequest.self,
        EntityGetRequest.self,
        EntityQueryRequest.self,
        EntityHistoryRequest.self,
        EntityVersionRequest.self,
        VersionListRequest.self,
        VersionGetRequest.self,
        VersionDiffRequest.self,
        VersionRollbackRequest.self,
        VersionRevertRequest.self,
        VersionSubmitRequest.self,
        VersionReviewRequest.self,
        BranchCreateRequest.self,
        BranchGetRequest.self,
        BranchListRequest.self,
        BranchDeleteRequest.self,
        BranchMergeRequest.self,
        TurnBeginRequest.self,
        TurnGetRequest.self,
        TurnListRequest.self,
        TurnCommitRequest.self,
        TurnAbortRequest.self,
        TagSetRequest.self,
        TagListRequest.self,
        TagDeleteRequest.self,
        SessionCompactRequest.self,
        StoreStatsRequest.self,
        StoreVacuumRequest.self,
        TypeDefineRequest.self,
        TypeGetRequest.self,
        TypeListRequest.self,
        EntityLineageRequest.self,
        SubscribeRequest.self,
        UnsubscribeRequest.self,
        FeedReadRequest.self,
    ]

    public static func makeRegistry(context: ServerContext) -> MethodRegistry {
        var registry = MethodRegistry()
        registry.checkParams = rejectNUL
        for method in methods {
            method.register(in: &registry, context: context)
        }
        return registry
    }

    /// JSON documents the store keeps as JSON text, where U+0000 is kept escaped.
    static let documentMembers: Set<String> = ["data", "patch", "jsonPatch", "metadata", "fields"]

    /// Every other string a request holds reaches SQLite as bound text, which ends at U+0000:
    /// `"s\u0000x"` would name session `s`. So such a string is refused, whatever it names
    /// (protocol/README.md §1).
    static func rejectNUL(_ params: JSONValue?) throws {
        guard let params, let (path, isName) = nulPath(in: params) else { return }
        throw RPCError.invalidParams(isName ? "a member name may not contain U+0000"
                                            : "a string may not contain U+0000 here (only inside JSON documents such as data)",
                                     path: path.reversed().joined(separator: "."))
    }

    /// Where the first U+0000 outside a document lies, innermost name first, and whether it is
    /// in a member's name; nil when there is none. The path is built only when one is found.
    private static func nulPath(in value: JSONValue) -> (path: [String], isName: Bool)? {
        switch value {
        case .string(let text):
            return containsNUL(text) ? ([], false) : nil
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if var found = nulPath(in: element) {
                    found.path.append(String(index))
                    return found
                }
            }
            return nil
        case .object(let members):
            for (key, member) in members where !documentMembers.contains(key) {
                if containsNUL(key) { return ([key], true) }
                if var found = nulPath(in: member) {
                    found.path.append(key)
                    return found
                }
            }
            return nil
        default:
            return nil
        }
    }

    /// `memchr` where the bytes are contiguous: every string of every request is looked at.
    private static func containsNUL(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { bytes in bytes.baseAddress.map { memchr($0, 0, bytes.count) != nil } ?? false }
            ?? text.utf8.contains(0)
    }

    public static var connectionOptions: Connection.Options {
        var options = Connection.Options()
        options.requestAfterShutdown = .shuttingDown
        return options
    }

    /// Serves the protocol on stdin and `outputFD` until the host is done; returns the exit code.
    public static func serve(context: ServerContext, inputFD: Int32, outputFD: Int32, transportOptions: StdioTransport.Options) -> Int32 {
        context.logger.info("serving on stdio", metadata: ["store": "\(context.store.path)"])
        let stopped = serveConnection(context: context, inputFD: inputFD, outputFD: outputFD, transportOptions: transportOptions)
        context.store.close()
        return exitCode(stopped)
    }

    /// Serves one connection until its host is done, leaving the store open.
    static func serveConnection(context: ServerContext, inputFD: Int32, outputFD: Int32, transportOptions: StdioTransport.Options,
                                started: (StdioTransport) -> Void = { _ in }) -> StdioTransport.StopReason {
        let transport = StdioTransport(inputFD: inputFD, outputFD: outputFD, options: transportOptions, logger: context.logger)
        let connection = Connection(
            registry: makeRegistry(context: context.serving(transport.output)),
            sink: transport.output,
            options: connectionOptions,
            logger: context.logger
        )
        started(transport)
        return transport.run(connection)
    }

    static func exitCode(_ stopped: StdioTransport.StopReason) -> Int32 {
        switch stopped {
        case .exitRequested(let code): code
        case .endOfInput, .terminated, .outputClosed: 0
        }
    }
}
