import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `version/list`: versions through the branch's ancestry, newest first.
struct VersionListRequest: ServerMethod {
    static let method = "version/list"
    /// `{versions}`.
    struct Response: JSONEncodable {
        var versions: [VersionInfo]
    }

    var session: String
    var branch: String?
    var limit: Int?
    var before: Int?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { request in
            let limit = try pageLimit(request.limit)
            let versions = try context.store.versions(session: request.session, branch: request.branch, limit: limit, before: request.before)
            return Response(versions: versions)
        }
    }
}
