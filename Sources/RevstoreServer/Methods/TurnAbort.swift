import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `turn/abort`: discards a turn; it reads `reverted`.
struct TurnAbortRequest: ServerMethod {
    static let method = "turn/abort"
    typealias Response = Turn

    var turn: String

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.write(Self.self) { context.store.submitAbortTurn($0.turn) } respond: { $0 }
    }
}
