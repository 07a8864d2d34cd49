import Foundation
import Logging
import RevstoreEngine
import RevstoreJSONRPC
@testable import RevstoreServer
import Testing

@Suite("protocol/ matches the server")
struct ProtocolDocumentTests {
    static func registeredMethods() throws -> [String] {
        let store = try Store(StoreConfiguration(location: .memory))
        let context = ServerContext(store: store, maximumMessageBytes: 1 << 20, logger: Logger(label: "test"))
        return RevstoreServer.makeRegistry(context: context).methodNames
    }

    @Test("every registered method is in the OpenRPC document, and the other way round")
    func openRPCCoversRegistry() throws {
        let registered = try Self.registeredMethods()
        let documented = try ProtocolDocument.documentedMethods
        #expect(Set(registered) == Set(documented), "only registered: \(Set(registered).subtracting(documented)); only documented: \(Set(documented).subtracting(registered))")
        #expect(documented.count == Set(documented).count, "a method is documented twice")
    }

    @Test("each method's params type reads exactly the params the OpenRPC document lists, member by member")
    func paramsMatchTheDocument() throws {
        let documented = Dictionary(uniqueKeysWithValues: try ProtocolDocument.openRPC["methods"]?.arrayValue?.compactMap { method in
            method["name"]?.stringValue.map { ($0, Set(method["params"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])) }
        } ?? [])
        #expect(documented.count == RevstoreServer.methods.count)
        // The recorder sees what a params type reads, optional members included.
        #expect(ParamKeys.of(EntityGetRequest.self) == ["session", "branch", "at", "turn", "type", "id", "includeDeleted", "expand"])
        for method in RevstoreServer.methods {
            let read = ParamKeys.of(method)
            let listed = documented[method.method] ?? []
            #expect(read == listed, "\(method.method): only read \(read.subtracting(listed).sorted()), only documented \(listed.subtracting(read).sorted())")
        }
    }

    @Test("every documented method has a params list and, unless a notification, a result schema")
    func documentShape() throws {
        let document = try ProtocolDocument.openRPC
        #expect(document["openrpc"]?.stringValue?.hasPrefix("1.") == true)
        for method in document["methods"]?.arrayValue ?? [] {
            let name = method["name"]?.stringValue ?? "?"
            #expect(method["params"]?.arrayValue != nil, "\(name) has no params list")
            let notification = method["x-notification"] == true
            #expect((method["result"] != nil) != notification, "\(name): result schema and notification flag disagree")
            #expect(["immediate", "ordered", "concurrent"].contains(method["x-scheduling"]?.stringValue ?? ""), "\(name) has no x-scheduling")
        }
    }

    @Test("every documented method is exercised by a golden fixture")
    func fixturesCoverMethods() throws {
        var exercised = Set<String>()
        for fixture in ProtocolDocument.fixtures {
            for exchange in fixture.exchanges {
                let messages = exchange["send"]?.arrayValue ?? [exchange["send"] ?? .null]
                exercised.formUnion(messages.compactMap { $0["method"]?.stringValue })
            }
        }
        let missing = Set(try ProtocolDocument.documentedMethods).subtracting(exercised)
        #expect(missing.isEmpty, "methods without a fixture: \(missing.sorted())")
    }

    @Test("the placeholder matcher accepts what it should and rejects what it should not")
    func matcher() throws {
        #expect(ProtocolDocument.mismatch(["a": "$integer", "b": "$uuid"], ["a": 3, "b": "6F9619FF-8B86-D011-B42D-00C04FC964FF"]) == nil)
        #expect(ProtocolDocument.mismatch(["a": "$integer"], ["a": 3.5]) != nil)
        #expect(ProtocolDocument.mismatch(["a": "$any"], [:]) != nil)
        #expect(ProtocolDocument.mismatch(["a": 1], ["a": 1, "b": 2]) != nil)
        #expect(ProtocolDocument.mismatch(["t": "$timestamp"], ["t": "2026-11-21T10:00:00.123Z"]) == nil)
        #expect(ProtocolDocument.mismatch(["t": "$timestamp"], ["t": "2026-11-21 10:00"]) != nil)
    }
}

/// Runs each golden fixture in `protocol/fixtures` against the built binary.
@Suite("golden fixtures")
struct FixtureTests {
    @Test("fixtures exist")
    func present() { #expect(ProtocolDocument.fixtures.count >= 5) }

    @Test("each fixture's exchanges get exactly the expected replies", arguments: ProtocolDocument.fixtures)
    func fixture(_ fixture: ProtocolDocument.Fixture) throws {
        let server = try ServerProcess(fixture.serverArguments)
        for (index, exchange) in fixture.exchanges.enumerated() {
            if let raw = exchange["sendRaw"]?.stringValue {
                try server.send(raw + "\n")
            } else {
                try server.send(try #require(exchange["send"]).description + "\n")
            }
            let expected = [exchange["expect"] ?? .null].filter { !$0.isNull } + (exchange["then"]?.arrayValue ?? [])
            for message in expected {
                let reply = try server.next()
                if let problem = ProtocolDocument.mismatch(message, reply) {
                    Issue.record("\(fixture.name) exchange \(index): \(problem)\n  got \(reply)")
                }
            }
            if let status = exchange["exits"]?.intValue {
                #expect(server.waitForExit(timeout: 2) == Int32(status), "\(fixture.name) exchange \(index)")
                return
            }
        }
        // A notification must not have been answered: the next reply must be for this ping.
        #expect(try server.call(424242, "ping")["id"] == 424242, "\(fixture.name): an unexpected reply is pending")
    }
}
