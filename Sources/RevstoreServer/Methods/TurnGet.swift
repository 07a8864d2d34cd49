import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `turn/get`.
struct TurnGetRequest: ServerMethod {
    static let method = "turn/get"
    typealias Response = Turn

    var turn: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { try context.store.turn($0.turn) }
    }
}
