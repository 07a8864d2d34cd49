import Foundation
import Testing
@testable import RevstoreJSONRPC
@testable import RevstoreJSON

/// The JSON-RPC 2.0 specification's own examples, against a small test dispatcher.
@Suite("JSON-RPC specification vectors")
struct JSONRPCVectorTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let send: String
        let expect: JSONValue
        var testDescription: String { send }
    }

    static let vectors: [Vector] = {
        let url = packageRoot.appendingPathComponent("protocol/vectors/jsonrpc.jsonl")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let value = try? JSONParser.parse(String(line)), let send = value["send"]?.stringValue else { return nil }
            return Vector(send: send, expect: value["expect"] ?? .null)
        }
    }()

    /// subtract (by position or by name), sum, get_data and the notify_* / update
    /// notifications, over all three scheduling kinds.
    static var registry: MethodRegistry {
        var registry = MethodRegistry()
        registry.registerConcurrent("subtract") { params, _ in
            switch params {
            case .array(let args)?:
                guard args.count == 2, let a = args[0].intValue, let b = args[1].intValue else { throw RPCError.invalidParams("two integers", path: "") }
                return .integer(a - b)
            case .object(let named)?:
                guard let a = named["minuend"]?.intValue, let b = named["subtrahend"]?.intValue else { throw RPCError.invalidParams("minuend and subtrahend", path: "") }
                return .integer(a - b)
            default:
                throw RPCError.invalidParams("params required", path: "")
            }
        }
        registry.registerOrdered("sum") { params, _ in
            let total = (params?.arrayValue ?? []).compactMap(\.intValue).reduce(0, +)
            return .value(.integer(total))
        }
        registry.registerImmediate("get_data") { _, _ in ["hello", 5] }
        for notification in ["update", "notify_hello", "notify_sum"] {
            registry.registerImmediate(notification) { _, _ in .null }
        }
        return registry
    }

    @Test("the vectors file is there")
    func present() { #expect(Self.vectors.count >= 10) }

    @Test("each example gets the specified answer", arguments: vectors)
    func vector(_ vector: Vector) async throws {
        let (connection, sink) = makeConnection(Self.registry)
        connection.receive(vector.send)
        try await connection.settle()
        let received = sink.received
        guard !vector.expect.isNull else {
            #expect(received.isEmpty, "a notification was answered: \(received)")
            return
        }
        try #require(received.count == 1, "expected one reply, got \(received)")
        #expect(normalized(received[0]) == normalized(vector.expect))
    }

    /// Drops `error.data` (ours adds `reason`) and orders batch replies by id.
    func normalized(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let elements):
            return .array(elements.map(normalized).sorted { $0["id"]?.description ?? "" < $1["id"]?.description ?? "" })
        case .object(var message):
            if case .object(var error)? = message["error"] {
                error["data"] = nil
                message["error"] = .object(error)
            }
            return .object(message)
        default:
            return value
        }
    }
}
