import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `version/revert`: a new version undoing one version's changes.
struct VersionRevertRequest: ServerMethod {
    static let method = "version/revert"
    typealias Response = CommitResult

    var session: String
    var branch: String?
    var version: Int
    var message: String?
    var actor: String?
    var force: Bool?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) {
            context.store.submitRevert(session: $0.session, branch: $0.branch, number: $0.version, message: $0.message,
                                       actor: $0.actor, force: $0.force ?? false)
        } respond: { $0 }
    }
}
