import RevstoreEngine
import RevstoreJSON
import RevstoreJSONRPC

/// `store/stats`: counts of what the store holds and its size on disk.
struct StoreStatsRequest: ServerMethod {
    static let method = "store/stats"
    typealias Response = StoreStats

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.read(Self.self) { _ in try context.store.stats() }
    }
}
