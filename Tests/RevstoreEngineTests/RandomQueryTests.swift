@testable import RevstoreEngine
import RevstoreJSON
import Testing

/// Random data and random queries, each checked against a straightforward filter written here.
@Suite("Randomized queries against a reference filter")
struct RandomQueryTests {
    static let names = ["John", "Joan", "Jo", "Ann", "anna", "Zoë", "", "Jörg", "Bob"]

    static func randomData(_ g: inout SplitMix64) -> JSONValue {
        var data = JSONObject()
        if Int.random(in: 0..<6, using: &g) > 0 { data["name"] = .string(names.randomElement(using: &g)!) }
        switch Int.random(in: 0..<8, using: &g) {
        case 0: break
        case 1: data["age"] = .string(String(Int.random(in: 20...40, using: &g)))
        case 2: data["age"] = nil
        case 3: data["age"] = .null
        default: data["age"] = .integer(Int.random(in: 18...45, using: &g))
        }
        if Bool.random(using: &g) { data["score"] = .double(Double(Int.random(in: 0...20, using: &g)) / 4) }
        if Bool.random(using: &g) { data["active"] = .bool(Bool.random(using: &g)) }
        if Int.random(in: 0..<3, using: &g) > 0 {
            data["tags"] = .array((0..<Int.random(in: 0...3, using: &g)).map { _ in .string(["a", "b", "c", "d"].randomElement(using: &g)!) })
        }
        if Bool.random(using: &g) { data["address"] = ["city": .string(["Oslo", "Rome", "Lima"].randomElement(using: &g)!)] }
        return .object(data)
    }

    static let fields = ["name", "age", "score", "active", "tags", "address.city", "$id", "$version"]

    static func randomValue(for field: String, _ g: inout SplitMix64) -> JSONValue {
        switch field {
        case "name": return .string(names.randomElement(using: &g)!)
        case "age": return Int.random(in: 0..<4, using: &g) == 0 ? .string(String(Int.random(in: 20...40, using: &g))) : .integer(Int.random(in: 18...45, using: &g))
        case "score": return .double(Double(Int.random(in: 0...20, using: &g)) / 4)
        case "active": return .bool(Bool.random(using: &g))
        case "tags": return .string(["a", "b", "c", "d"].randomElement(using: &g)!)
        case "address.city": return .string(["Oslo", "Rome", "Lima"].randomElement(using: &g)!)
        case "$id": return .string("e\(Int.random(in: 0..<40, using: &g))")
        default: return .integer(Int.random(in: 1...4, using: &g))
        }
    }

    static func randomCondition(_ g: inout SplitMix64, depth: Int = 0) -> JSONValue {
        if depth < 2, Int.random(in: 0..<5, using: &g) == 0 {
            let kind = ["$and", "$or", "$not"].randomElement(using: &g)!
            if kind == "$not" { return ["$not": randomCondition(&g, depth: depth + 1)] }
            return .object([kind: .array((0..<Int.random(in: 1...3, using: &g)).map { _ in randomCondition(&g, depth: depth + 1) })])
        }
        let field = fields.randomElement(using: &g)!
        let value = randomValue(for: field, &g)
        let op = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "contains", "startsWith", "exists", "plain"].randomElement(using: &g)!
        switch op {
        case "plain": return .object([field: value])
        case "in", "nin": return .object([field: .object([op: .array([value, randomValue(for: field, &g)])])])
        case "exists": return .object([field: ["exists": .bool(Bool.random(using: &g))]])
        case "startsWith": return .object([field: ["startsWith": .string(["J", "Jo", "a", "", "Z"].randomElement(using: &g)!)]])
        case "contains": return .object([field: ["contains": .string(["a", "o", "b", "nn"].randomElement(using: &g)!)]])
        default: return .object([field: .object([op: value])])
        }
    }

    // MARK: - The reference

    static func lookup(_ entity: Entity, _ field: String) -> JSONValue? {
        switch field {
        case "$id": return .string(entity.id)
        case "$version": return .integer(entity.version)
        default:
            var value: JSONValue? = entity.data
            for part in field.split(separator: ".") { value = value?[String(part)] }
            return value
        }
    }

    /// Orders values of one JSON kind; nil when the kinds differ (no comparison holds).
    static func compare(_ a: JSONValue, _ b: JSONValue) -> Int? {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x.doubleValue < y.doubleValue ? -1 : (x.doubleValue > y.doubleValue ? 1 : 0)
        case (.string(let x), .string(let y)): return x == y ? 0 : (Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8)) ? -1 : 1)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
        default: return a == b ? 0 : nil
        }
    }

    static func matches(_ entity: Entity, _ condition: JSONValue) -> Bool {
        guard case .object(let members) = condition else { return false }
        return members.allSatisfy { key, value in
            switch key {
            case "$and": return value.arrayValue!.allSatisfy { matches(entity, $0) }
            case "$or": return value.arrayValue!.contains { matches(entity, $0) }
            case "$not": return !matches(entity, value)
            default:
                let actual = lookup(entity, key)
                if case .object(let ops) = value, !ops.isEmpty, ops.keys.allSatisfy({ ["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "contains", "startsWith", "exists"].contains($0) }) {
                    return ops.allSatisfy { test(actual, $0.key, $0.value) }
                }
                return test(actual, "eq", value)
            }
        }
    }

    static func test(_ actual: JSONValue?, _ op: String, _ operand: JSONValue) -> Bool {
        switch op {
        case "exists": return (actual != nil) == operand.boolValue!
        case "ne": return !test(actual, "eq", operand)
        case "nin": return !test(actual, "in", operand)
        default: break
        }
        guard let actual else { return false }
        switch op {
        case "eq": return compare(actual, operand) == 0
        case "in": return operand.arrayValue!.contains { compare(actual, $0) == 0 }
        case "gt": return compare(actual, operand).map { $0 > 0 } ?? false
        case "gte": return compare(actual, operand).map { $0 >= 0 } ?? false
        case "lt": return compare(actual, operand).map { $0 < 0 } ?? false
        case "lte": return compare(actual, operand).map { $0 <= 0 } ?? false
        case "startsWith": return actual.stringValue.map { Array($0.utf8).starts(with: Array(operand.stringValue!.utf8)) } ?? false
        case "contains":
            if case .array(let elements) = actual { return elements.contains { compare($0, operand) == 0 } }
            if case .string(let text) = actual, case .string(let needle) = operand { return needle.isEmpty || text.contains(needle) }
            return false
        default: return false
        }
    }

    /// The documented sort order: missing and null first, then booleans and numbers by value
    /// (false = 0, true = 1), then strings by code point, then arrays and objects by JSON text.
    static func sortKey(_ value: JSONValue?) -> (Int, Double, [UInt8]) {
        switch value {
        case nil, .null?: return (0, 0, [])
        case .bool(let b)?: return (1, b ? 1 : 0, [])
        case .number(let n)?: return (1, n.doubleValue, [])
        case .string(let s)?: return (2, 0, Array(s.utf8))
        case let other?: return (3, 0, Array(other.canonicalText.utf8))
        }
    }

    static func ordered(_ a: Entity, _ b: Entity, by fields: [String]) -> Bool {
        for entry in fields {
            let descending = entry.hasPrefix("-")
            let field = descending ? String(entry.dropFirst()) : entry
            let (x, y) = (sortKey(lookup(a, field)), sortKey(lookup(b, field)))
            if x.0 != y.0 { return descending ? x.0 > y.0 : x.0 < y.0 }
            if x.1 != y.1 { return descending ? x.1 > y.1 : x.1 < y.1 }
            if x.2 != y.2 { return descending ? y.2.lexicographicallyPrecedes(x.2) : x.2.lexicographicallyPrecedes(y.2) }
        }
        return a.id.utf8.lexicographicallyPrecedes(b.id.utf8)
    }

    @Test("thousands of random queries, at the head and at old versions, with and without indexes", arguments: [false, true])
    func randomQueries(indexed: Bool) async throws {
        var g = SplitMix64(seed: indexed ? 11 : 5)
        let f = try await Fixture()
        if indexed {
            _ = try await f.store.submitDefineType(name: "T", fields: ["name": ["type": "any", "index": true], "age": ["type": "any", "index": true],
                                                                       "score": ["type": "any", "index": true]], strict: false, description: nil).value()
        }
        for _ in 0..<12 {
            let ops = (0..<8).map { _ in f.put("T", "e\(Int.random(in: 0..<40, using: &g))", Self.randomData(&g)) }
            try await f.commit(ops)
        }
        let head = try f.store.session("s1").version
        var checked = 0
        for version in [head, head / 2, 2] {
            let all = try await f.all("T", at: version)
            for _ in 0..<700 {
                let condition = Self.randomCondition(&g)
                let orderBy = (0..<Int.random(in: 0...2, using: &g)).map { _ in
                    (Bool.random(using: &g) ? "-" : "") + ["name", "age", "score", "active", "$id", "$version", "tags"].randomElement(using: &g)!
                }
                let limit = Int.random(in: 1...15, using: &g), offset = Int.random(in: 0...5, using: &g)
                let expected = all.filter { Self.matches($0, condition) }.sorted { Self.ordered($0, $1, by: orderBy) }
                let page = try f.store.query(at: ReadPosition(session: "s1", at: .version(version)),
                                                   EntityQuery(type: "T", filter: condition, orderBy: orderBy, limit: limit, offset: offset, count: true))
                #expect(page.total == expected.count, "count of \(condition) at \(version)")
                #expect(page.entities.map(\.id) == Array(expected.dropFirst(offset).prefix(limit)).map(\.id),
                        "\(condition) orderBy \(orderBy) at \(version)")
                checked += 1
            }
        }
        #expect(checked == 2100)
    }
}
