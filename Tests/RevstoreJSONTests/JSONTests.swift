import Testing
@testable import RevstoreJSON

/// The dotted coding path of a decoding failure.
func decodingPath(_ error: DecodingError) -> String {
    let path: [any CodingKey]
    switch error {
    case .keyNotFound(let key, let context): path = context.codingPath + [key]
    case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
    @unknown default: path = []
    }
    return path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
}

@Suite("JSON parsing and writing")
struct JSONTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    @Test("values parse into the expected tree")
    func values() throws {
        let value = try parse(#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "d\n\u00e9\ud83d\ude00"}} "#)
        #expect(value == ["a": [1, -2500, true, false, nil], "b": ["c": "d\né😀"]])
    }

    @Test("numbers keep their literal text; equality is numeric")
    func numbers() throws {
        let big = try parse("12345678901234567890")
        #expect(big.numberValue?.literal == "12345678901234567890")
        #expect(JSONWriter.encode(big) == Array("12345678901234567890".utf8))
        #expect(try parse("1.50").description == "1.50")
        #expect(try parse("1") == (try parse("1.0")))
        #expect(try parse("-0").description == "-0")
        #expect(try parse("3e2").intValue == 300)
    }

    @Test("canonical text spells each number one way and sorts keys, written in one pass as canonicalized values write")
    func canonicalText() throws {
        let value = try parse(#"{"z": [-0, 1.0, 1e2, 2.50, 12345678901234567890, 1.5e-7], "a": {"y": 0.10, "b": -3}}"#)
        let expected = #"{"a":{"b":-3,"y":0.1},"z":[0,1,100,2.5,12345678901234567890,1.5e-07]}"#
        #expect(value.canonicalText == expected)
        #expect(String(decoding: JSONWriter.encode(value.canonicalized), as: UTF8.self) == expected)
        let canonical = try parse(expected)
        #expect(canonical.canonicalized.description == canonical.description)
    }

    @Test("a canonical write replaces exactly the objects its replacement names")
    func canonicalReplacement() throws {
        let value = try parse(#"{"keep": {"n": 1.0}, "swap": {"$bytes": "AQI="}, "list": [{"$bytes": "AQI="}, 2.0]}"#)
        var writer = JSONWriter()
        writer.writeCanonical(value) { object in object.bytesValue.map { .object(["$bytes": .integer($0.count)]) } }
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"keep":{"n":1},"list":[{"$bytes":2},2],"swap":{"$bytes":2}}"#)
    }

    @Test("malformed documents are rejected", arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "+1", "-", "1e", "tru", "nul", "\"abc",
        "\"\\x\"", "\"\\u12\"", "{\"a\" 1}", "[1 2]", "{1:2}", "1 2", "\"tab\there\"", "NaN", "'single'",
    ])
    func malformed(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test("invalid UTF-8 is a parse error, not a crash")
    func invalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0xFE]] {
            #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
        }
    }

    @Test("nesting is limited; 10,000 levels fail cleanly")
    func depth() throws {
        let ok = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        #expect(try JSONParser.parse(ok).arrayValue != nil)
        let deep = String(repeating: "[", count: 257) + String(repeating: "]", count: 257)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        let hostile = String(repeating: "{\"a\":", count: 10_000)
        do {
            _ = try JSONParser.parse(hostile)
            Issue.record("a 10,000-deep document parsed")
        } catch {
            #expect(error.kind == .tooDeep)
        }
    }

    @Test("lone surrogate escapes become U+FFFD")
    func loneSurrogate() throws {
        #expect(try parse(#""\ud800x""#) == "\u{FFFD}x")
        #expect(try parse(#""\udc00""#) == "\u{FFFD}")
    }

    @Test("strings and keys are sequences of code points: canonically equivalent ones stay apart")
    func codePoints() throws {
        let composed = "\u{E9}", decomposed = "e\u{301}"
        let object = try parse(#"{"\u00e9": 1, "e\u0301": 2}"#)
        #expect(object.objectValue?.count == 2)
        #expect(object[composed] == 1 && object[decomposed] == 2)
        // Keys are written in code point order: U+0065 before U+00E9.
        #expect(object.description == "{\"e\u{301}\":2,\"\u{E9}\":1}")
        #expect(JSONValue.string(composed) != .string(decomposed))
        #expect(Set<JSONValue>([.string(composed), .string(decomposed), .string(composed)]).count == 2)
        #expect(Set<JSONValue>([[composed: 1], [decomposed: 1]]).count == 2)
        #expect(CodePointString(decomposed) < CodePointString(composed))
    }

    @Test("writer output is compact, key-sorted, escaped, and parses back to the same value")
    func writer() throws {
        let value: JSONValue = ["b": "quote\" back\\ nl\n ctl\u{01} sep\u{2028}", "a": [1.5, nil, false], "é": [:]]
        let text = value.description
        #expect(text == #"{"a":[1.5,null,false],"b":"quote\" back\\ nl\n ctl\u0001 sep\u2028","é":{}}"#)
        #expect(try JSONParser.parse(text) == value)
        #expect(!JSONWriter.encode(value).contains(0x0A))
    }

    @Test("JSONTextEncoder writes what JSONWriter would: keys in code point order, one member per key, JSONWritable values as they are")
    func textEncoder() throws {
        struct Base: Encodable { var b = 1; var a = "x" }
        /// Two containers on one encoder, as a type that extends another's members does.
        struct Extended: Encodable {
            enum CodingKeys: String, CodingKey { case c, a }
            func encode(to encoder: any Encoder) throws {
                try Base().encode(to: encoder)
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode([UInt64.max], forKey: .c)
                try container.encode("replaced", forKey: .a)
            }
        }
        struct Mixed: Encodable {
            var extended = Extended()
            var text: JSONValue = ["z": [1, 2]]
            var keys = ["\u{e9}": 1, "e": 2, "E": 3]
            var nested: [[String: Double]] = [["half": 0.5]]
        }
        let text = String(decoding: try JSONTextEncoder().encode(Mixed()), as: UTF8.self)
        #expect(text == #"{"extended":{"a":"replaced","b":1,"c":[18446744073709551615]},"keys":{"E":3,"e":2,"\#u{e9}":1},"nested":[{"half":0.5}],"text":{"z":[1,2]}}"#)
    }

    @Test("Codable round trip through JSONValue, with coding paths on failure")
    func codable() throws {
        struct Inner: Codable, Equatable { var n: Int; var tags: [String] }
        struct Outer: Codable, Equatable { var name: String; var inner: Inner?; var free: JSONValue? }
        let value: JSONValue = ["name": "x", "inner": ["n": 3, "tags": ["a"]], "free": ["any": [1]]]
        let decoded = try JSONValueDecoder().decode(Outer.self, from: value)
        #expect(decoded == Outer(name: "x", inner: Inner(n: 3, tags: ["a"]), free: ["any": [1]]))
        #expect(try JSONParser.parse(JSONTextEncoder().encode(decoded)) == value)
        // Members in UTF-8 order, as JSONWriter writes them; absent optionals are null, not left out.
        #expect(try JSONTextEncoder().encode(Outer(name: "y", inner: nil, free: nil)) == Array(#"{"free":null,"inner":null,"name":"y"}"#.utf8))

        let bad: JSONValue = ["name": "x", "inner": ["n": 3, "tags": ["a", 2]]]
        let error = decodingPath(try #require(throws: DecodingError.self) { try JSONValueDecoder().decode(Outer.self, from: bad) })
        #expect(error == "inner.tags.1")

        let missing = decodingPath(try #require(throws: DecodingError.self) { try JSONValueDecoder().decode(Outer.self, from: [:]) })
        #expect(missing == "name")
        let fraction = decodingPath(try #require(throws: DecodingError.self) {
            try JSONValueDecoder().decode(Inner.self, from: ["n": 1.5, "tags": []])
        })
        #expect(fraction == "n")
    }
}
