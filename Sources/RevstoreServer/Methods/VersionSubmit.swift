import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `version/submit`: draft → submitted.
struct VersionSubmitRequest: ServerMethod {
    static let method = "version/submit"
    typealias Response = VersionInfo

    var session: String
    var branch: String?
    var version: Int
    var actor: String?
    var notes: String?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) {
            context.store.submitSubmitVersion(session: $0.session, branch: $0.branch, version: $0.version, actor: $0.actor, notes: $0.notes)
        } respond: { $0 }
    }
}
