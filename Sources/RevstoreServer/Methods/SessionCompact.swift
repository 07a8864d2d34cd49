import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `session/compact`: removes old versions that nothing protects, and what only they needed.
struct SessionCompactRequest: ServerMethod {
    static let method = "session/compact"
    typealias Response = CompactionReport

    var session: String
    var keepLast: Int?
    var keepSince: String?
    var keep: [Position]?
    var dryRun: Bool?

    /// A version to keep: `at` on `branch` (default: the session's default branch).
    struct Position: Decodable, Sendable {
        var branch: String?
        var at: Int
    }

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) {
            context.store.submitCompact(session: $0.session, keepLast: $0.keepLast, keepSince: $0.keepSince,
                                        keep: ($0.keep ?? []).map { KeepPoint(branch: $0.branch, version: $0.at) }, dryRun: $0.dryRun ?? false)
        } respond: { $0 }
    }
}
