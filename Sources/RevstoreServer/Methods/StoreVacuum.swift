import RevstoreJSON
import RevstoreJSONRPC

/// `store/vacuum`: gives free pages back to the file system.
struct StoreVacuumRequest: ServerMethod {
    static let method = "store/vacuum"
    /// The file's size before and after.
    struct Response: JSONEncodable {
        var bytesBefore: Int
        var bytesAfter: Int
    }

    static func register(in registry: inout MethodRegistry, context: ServerContext) {
        registry.ordered(Self.self) { _, _ in
            .task {
                let bytes = try await context.store.vacuum()
                return Response(bytesBefore: bytes.before, bytesAfter: bytes.after)
            }
        }
    }
}
