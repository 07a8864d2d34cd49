import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `version/rollback`: a new version whose state equals the state at `to`.
struct VersionRollbackRequest: ServerMethod {
    static let method = "version/rollback"
    typealias Response = CommitResult

    var session: String
    var branch: String?
    var to: VersionReference
    var message: String?
    var actor: String?
    var expectedVersion: Int?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) {
            context.store.submitRollback(session: $0.session, branch: $0.branch, to: $0.to.value, message: $0.message,
                                         actor: $0.actor, expectedVersion: $0.expectedVersion)
        } respond: { $0 }
    }
}
