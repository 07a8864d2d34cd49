import RevstoreJSON
import RevstoreJSONRPC

/// `store/vacuum`: gives free pages back to the file system.
struct StoreVacuumRequest: ServerMethod {
    static let method = "store/vacuum"
    typealias Response = JSONValue

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.ordered(Self.self) { _, _ in
            .task {
                let bytes = try await context.store.vacuum()
                return ["bytesBefore": .integer(bytes.before), "bytesAfter": .integer(bytes.after)]
            }
        }
    }
}
