import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `version/review`: submitted → approved | rejected.
struct VersionReviewRequest: ServerMethod {
    static let method = "version/review"
    typealias Response = VersionInfo

    var session: String
    var branch: String?
    var version: Int
    var decision: String
    var actor: String?
    var notes: String?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) { request in
            guard request.decision == "approved" || request.decision == "rejected" else {
                throw RPCError.invalidParams("decision is approved or rejected", path: "decision")
            }
            return context.store.submitReviewVersion(session: request.session, branch: request.branch, version: request.version,
                                                     approved: request.decision == "approved", actor: request.actor, notes: request.notes)
        } respond: { $0 }
    }
}
