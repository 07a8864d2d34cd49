import RevstoreJSON
import RevstoreJSONRPC

/// `version/get`: a version's info and what it changed.
struct VersionGetRequest: ServerMethod {
    static let method = "version/get"
    typealias Response = JSONValue

    var session: String
    var branch: String?
    var version: Int

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { request in
            let found = try context.store.version(session: request.session, branch: request.branch, number: request.version)
            guard case .object(var info) = found.info.json else { return .null }
            info["changes"] = .array(found.changes.map(\.json))
            return .object(info)
        }
    }
}
