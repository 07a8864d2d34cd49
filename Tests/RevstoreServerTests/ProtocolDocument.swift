import RevstoreJSON
import Foundation
import RevstoreJSONRPC
import Testing

/// The machine-readable protocol in `protocol/`: the OpenRPC document and the golden fixtures.
enum ProtocolDocument {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("protocol")

    static func load(_ relativePath: String) throws -> JSONValue {
        try JSONParser.parse(Array(try Data(contentsOf: directory.appendingPathComponent(relativePath))))
    }

    static var openRPC: JSONValue { get throws { try load("openrpc.json") } }

    /// Method names in the OpenRPC document.
    static var documentedMethods: [String] {
        get throws { try openRPC["methods"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [] }
    }

    struct Fixture: Sendable, CustomTestStringConvertible {
        let name: String
        let value: JSONValue
        var testDescription: String { name }
        var exchanges: [JSONValue] { value["exchanges"]?.arrayValue ?? [] }
        var serverArguments: [String] { value["server"]?.arrayValue?.compactMap(\.stringValue) ?? ["--memory"] }
    }

    static var fixtures: [Fixture] {
        let folder = directory.appendingPathComponent("fixtures")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            guard let value = try? load("fixtures/\(name)") else { return nil }
            return Fixture(name: name, value: value)
        }
    }

    /// Whether `actual` matches `expected`, where expected strings `$any`, `$string`,
    /// `$integer`, `$number`, `$boolean`, `$object`, `$array`, `$uuid` and `$timestamp` stand
    /// for any value of that kind (protocol/README.md, "Golden fixtures"). Returns the path
    /// of the first difference, or nil when they match.
    static func mismatch(_ expected: JSONValue, _ actual: JSONValue?, path: String = "$") -> String? {
        if case .string(let pattern) = expected, pattern.hasPrefix("$") {
            guard let actual else { return "\(path): missing" }
            let ok: Bool
            switch pattern {
            case "$any": ok = true
            case "$string": ok = actual.stringValue != nil
            case "$integer": ok = actual.numberValue?.isIntegerLiteral == true
            case "$number": ok = actual.numberValue != nil
            case "$boolean": ok = actual.boolValue != nil
            case "$object": ok = actual.objectValue != nil
            case "$array": ok = actual.arrayValue != nil
            case "$uuid": ok = actual.stringValue.map { UUID(uuidString: $0) != nil } ?? false
            case "$timestamp": ok = actual.stringValue.map(isTimestamp) ?? false
            default: ok = actual == expected
            }
            return ok ? nil : "\(path): \(actual) is not \(pattern)"
        }
        switch (expected, actual) {
        case (.object(let e), .object(let a)?):
            for key in Set(e.keys).union(a.keys).sorted() {
                guard let expectedValue = e[key] else { return "\(path).\(key): unexpected member" }
                if let problem = mismatch(expectedValue, a[key], path: "\(path).\(key)") { return problem }
            }
            return nil
        case (.array(let e), .array(let a)?):
            guard e.count == a.count else { return "\(path): \(a.count) elements, expected \(e.count)" }
            for (index, pair) in zip(e, a).enumerated() {
                if let problem = mismatch(pair.0, pair.1, path: "\(path)[\(index)]") { return problem }
            }
            return nil
        default:
            return actual == expected ? nil : "\(path): \(actual.map(\.description) ?? "missing") != \(expected)"
        }
    }

    private static func isTimestamp(_ text: String) -> Bool {
        text.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#, options: .regularExpression) != nil
    }
}
