import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `version/get`: a version's info and what it changed.
struct VersionGetRequest: ServerMethod {
    static let method = "version/get"
    /// The version's info, and the changes beside its members.
    struct Response: JSONEncodable {
        var info: VersionInfo
        var changes: [Change]

        enum CodingKeys: String, CodingKey {
            case changes
        }

        func encode(to encoder: any Encoder) throws {
            try info.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(changes, forKey: .changes)
        }
    }

    var session: String
    var branch: String?
    var version: Int

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { request in
            let found = try context.store.version(session: request.session, branch: request.branch, number: request.version)
            return Response(info: found.info, changes: found.changes)
        }
    }
}
