import RevstoreEngine
import RevstoreJSON
import Testing

@Suite("entity/query")
struct QueryTests {
    static func people() async throws -> Fixture {
        let f = try await Fixture()
        try await f.commit([
            f.put("User", "u1", ["name": "John", "age": 31, "tags": ["a", "b"], "address": ["city": "Oslo"]]),
            f.put("User", "u2", ["name": "Joan", "age": 25, "tags": ["b"]]),
            f.put("User", "u3", ["name": "Ann", "age": "31", "address": ["city": "Rome"]]),
            f.put("User", "u4", ["name": "Joe", "age": 40, "flag": true]),
            f.put("Pet", "p1", ["name": "Rex"]),
        ], actor: "alice")
        try await f.commit([.patch(type: "User", id: "u2", patch: ["age": 26], ifVersion: nil)], actor: "bob")
        return f
    }

    @Test("equality, dotted paths and typed comparison: 31 never equals \"31\"")
    func equality() async throws {
        let f = try await Self.people()
        #expect(try await f.all("User", filter: ["age": 31]).map(\.id) == ["u1"])
        #expect(try await f.all("User", filter: ["age": "31"]).map(\.id) == ["u3"])
        #expect(try await f.all("User", filter: ["address.city": "Oslo"]).map(\.id) == ["u1"])
        #expect(try await f.all("User", filter: ["address": ["eq": ["city": "Rome"]]]).map(\.id) == ["u3"])
        #expect(try await f.all("User", filter: ["flag": true]).map(\.id) == ["u4"])
        #expect(try await f.all("User", filter: ["tags": ["a", "b"]]).map(\.id) == ["u1"])
        #expect(try await f.all(filter: ["name": "Rex"]).map(\.id) == ["p1"])
    }

    @Test("operators, missing fields, $and / $or / $not")
    func operators() async throws {
        let f = try await Self.people()
        #expect(try await f.all("User", filter: ["age": ["gt": 25, "lte": 40]]).map(\.id) == ["u1", "u2", "u4"])
        #expect(try await f.all("User", filter: ["name": ["startsWith": "Jo"]]).map(\.id) == ["u1", "u2", "u4"])
        #expect(try await f.all("User", filter: ["tags": ["contains": "a"]]).map(\.id) == ["u1"])
        #expect(try await f.all("User", filter: ["name": ["contains": "oa"]]).map(\.id) == ["u2"])
        #expect(try await f.all("User", filter: ["flag": ["exists": false]]).map(\.id) == ["u1", "u2", "u3"])
        #expect(try await f.all("User", filter: ["flag": ["ne": true]]).map(\.id) == ["u1", "u2", "u3"])
        #expect(try await f.all("User", filter: ["age": ["in": [25, 26, "31"]]]).map(\.id) == ["u2", "u3"])
        #expect(try await f.all("User", filter: ["age": ["nin": [31, 26]]]).map(\.id) == ["u3", "u4"])
        #expect(try await f.all("User", filter: ["$or": [["age": 40], ["name": "Ann"]]]).map(\.id) == ["u3", "u4"])
        #expect(try await f.all("User", filter: ["$not": ["name": ["startsWith": "Jo"]]]).map(\.id) == ["u3"])
        #expect(try await f.all("User", filter: ["$and": [["age": ["gte": 26]], ["age": ["lt": 40]]]]).map(\.id) == ["u1", "u2"])
        #expect(try await f.all("User", filter: ["$updatedBy": "bob"]).map(\.id) == ["u2"])
        #expect(try await f.all("User", filter: ["$version": ["gt": 1]]).map(\.id) == ["u2"])
        #expect(try await f.all("User", filter: ["$id": ["in": ["u1", "u4"]]]).map(\.id) == ["u1", "u4"])
    }

    @Test("orderBy with ties broken by $id, limit, offset, count, at an old version")
    func ordering() async throws {
        let f = try await Self.people()
        #expect(try await f.all("User", orderBy: ["-name"]).map(\.id) == ["u1", "u4", "u2", "u3"])
        #expect(try await f.all("User", filter: ["age": ["gte": 0]], orderBy: ["-age"]).map(\.id) == ["u4", "u1", "u2"])
        #expect(try await f.all("User", orderBy: ["$updatedAtVersion", "-$id"]).map(\.id) == ["u4", "u3", "u1", "u2"])
        let page = try f.store.query(at: ReadPosition(session: "s1"), EntityQuery(type: "User", orderBy: ["name"], limit: 2, offset: 1, count: true))
        #expect(page.entities.map(\.id) == ["u2", "u4"])
        #expect(page.total == 4)
        #expect(try await f.all("User", at: 2, filter: ["age": 25]).map(\.id) == ["u2"])
        #expect(try await f.all("User", at: 3, filter: ["age": 25]).isEmpty)
    }

    @Test("hostile field paths and orderBy entries are data or rejected, never SQL")
    func hostileInput() async throws {
        let f = try await Self.people()
        for hostile in ["'); DROP TABLE entity; --", "a;b", "x/*", "name OR 1=1", "$id; DELETE"] {
            do {
                let found = try await f.all("User", filter: [hostile: "x"], orderBy: [hostile])
                #expect(found.isEmpty)
            } catch let error as EngineError {
                #expect(error.code == .invalidArgument)
            }
        }
        #expect(try await f.all("User").count == 4)
        #expect(try await f.all("User", filter: ["name": "'); DROP TABLE entity; --"]).isEmpty)
    }

    @Test("field paths split at each dot code point, a quote with a combining mark is still a quote, and field names match code point for code point")
    func combiningMarksInPaths() async throws {
        let f = try await Fixture()
        try await f.commit([f.put("T", "a", ["x": ["\u{301}y": 1]]), f.put("T", "b", ["x.\u{301}y": 1])])
        #expect(try await f.all("T", filter: ["x.\u{301}y": 1]).map(\.id) == ["a"])
        await expectError(.invalidArgument) { _ = try await f.all("T", filter: ["x\"\u{301}": 1]) }
        await expectError(.invalidArgument) { _ = try await f.all("T", orderBy: ["x\\\u{301}"]) }
        // The Kelvin sign is canonically "K" to Swift, but another field name.
        _ = try await f.store.submitDefineType(name: "S", fields: ["Key": ["type": "integer", "index": true]], strict: true, description: nil).value()
        try await f.commit([f.put("S", "s", ["Key": 1])])
        #expect(try await f.all("S", filter: ["Key": 1]).map(\.id) == ["s"])
        await expectError(.invalidArgument) { _ = try await f.all("S", filter: ["\u{212A}ey": 1]) }
    }
}

@Suite("Large queries")
struct LargeQueryTests {
    @Test("in and nin with 10,000 values, $or with 2,000 clauses and nesting 16 deep work; deeper is INVALID_ARGUMENT with its path")
    func largeQueries() async throws {
        let f = try await Fixture()
        try await f.commit((0..<100).map { f.put("T", "e\($0)", ["n": .integer($0), "s": .string("v\($0)")]) })
        #expect(try await f.all("T", filter: ["n": ["in": .array((0..<10_000).map { .integer($0 * 3) })]]).count == 34)
        #expect(try await f.all("T", filter: ["s": ["in": .array((0..<10_000).map { .string("v\($0 * 5)") } + [true, .null])]]).count == 20)
        #expect(try await f.all("T", filter: ["n": ["nin": .array((50..<10_050).map { .integer($0) })]]).count == 50)
        #expect(try await f.all("T", filter: ["$or": .array((0..<2_000).map { ["n": .integer($0)] })]).count == 100)
        var nested: JSONValue = ["n": 5]
        for _ in 0..<16 { nested = ["$not": nested] }  // the deepest allowed
        #expect(try await f.all("T", filter: nested).map(\.id) == ["e5"])
        let error = await expectError(.invalidArgument) { _ = try await f.all("T", filter: ["$not": nested]) }
        #expect(error?.details["path"]?.stringValue?.hasPrefix("where.$not") == true)
    }
}

@Suite("Strict queries")
struct StrictQueryTests {
    @Test("an unknown operator, or a field a strict type does not have, is INVALID_ARGUMENT with its path; objects compare through eq")
    func typosAreErrors() async throws {
        let f = try await Fixture()
        _ = try await f.store.submitDefineType(name: "S", fields: ["a": ["type": "integer"], "o": ["type": "object"]], strict: true, description: nil).value()
        try await f.commit([f.put("S", "s1", ["a": 1, "o": ["k": 1]]), f.put("T", "t1", ["n": 5])])
        for (filter, path) in [(["n": ["gtt": 3]], "where.n.gtt"), (["n": ["gt": 3, "x": 1]], "where.n.x"), (["n": [:]], "where.n")] as [(JSONValue, String)] {
            let error = await expectError(.invalidArgument) { _ = try await f.all("T", filter: filter) }
            #expect(error?.details["path"]?.stringValue == path)
        }
        let strict = await expectError(.invalidArgument) { _ = try await f.all("S", filter: ["nosuch": ["gt": 3]]) }
        #expect(strict?.details["path"] == "where.nosuch")
        _ = await expectError(.invalidArgument) { _ = try await f.all("S", orderBy: ["-nosuch"]) }
        #expect(try await f.all("S", filter: ["o": ["eq": ["k": 1]]]).map(\.id) == ["s1"])
        #expect(try await f.all("T", filter: ["nosuch": ["gt": 3]]).isEmpty)  // undeclared types are free-form
    }

    @Test("startsWith on $id or an indexed field seeks a range and finds exactly the ids with the prefix, multi-byte and greatest code points included")
    func prefixRanges() async throws {
        let f = try await Fixture()
        let ids = ["a", "ab", "abc", "abd", "ac", "b", "é", "éa", "éb", "f", "z\u{10FFFF}", "z\u{10FFFF}a", "z\u{10FFFF}\u{10FFFF}", "zz",
                   "\u{D7FF}x", "\u{E000}", "[\"\",\"1\",0]", "[\"\",\"1\",1]", "[\"\",\"10\",0]"]
        try await f.commit(ids.map { f.put("Note", $0, ["key": .string($0)]) })
        _ = try await f.store.submitDefineType(name: "Keyed", fields: ["key": ["type": "string", "index": true]], strict: false,
                                               description: nil).value()
        try await f.commit(ids.map { f.put("Keyed", $0, ["key": .string($0)]) })
        for prefix in ["a", "ab", "é", "z\u{10FFFF}", "z", "\u{D7FF}", "[\"\",\"1\",", "[\"\",\"1", "", "q"] {
            let expected = ids.filter { $0.unicodeScalars.starts(with: prefix.unicodeScalars) }.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
            #expect(try await f.all("Note", filter: ["$id": ["startsWith": .string(prefix)]]).map(\.id) == expected, "\(prefix)")
            #expect(try await f.all("Keyed", filter: ["key": ["startsWith": .string(prefix)]]).map(\.id) == expected, "\(prefix)")
        }
    }
}
