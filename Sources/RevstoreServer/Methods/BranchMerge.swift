import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `branch/merge`: a three-way merge of `source` into `target`.
struct BranchMergeRequest: ServerMethod {
    static let method = "branch/merge"
    typealias Response = MergeResult

    var session: String
    var source: String
    var target: String?
    var message: String?
    var actor: String?
    var onConflict: String?

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) { request in
            guard let strategy = MergeStrategy(rawValue: request.onConflict ?? "fail") else {
                throw RPCError.invalidParams("onConflict is fail, source or target", path: "onConflict")
            }
            return context.store.submitMerge(session: request.session, source: request.source, target: request.target,
                                             message: request.message, actor: request.actor, strategy: strategy)
        } respond: { $0 }
    }
}
