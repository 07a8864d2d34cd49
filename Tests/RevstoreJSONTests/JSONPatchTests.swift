import Testing
@testable import RevstoreJSON

@Suite("RFC 6902 JSON Patch")
struct JSONPatchTests {
    static func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    struct Case: Sendable, CustomTestStringConvertible {
        let document: String
        let patch: String
        let expected: String
        var testDescription: String { patch }
    }

    /// The RFC's own examples (appendix A), and appends at `-`.
    static let examples: [Case] = [
        Case(document: #"{"foo":"bar"}"#, patch: #"[{"op":"add","path":"/baz","value":"qux"}]"#, expected: #"{"baz":"qux","foo":"bar"}"#),
        Case(document: #"{"foo":["bar","baz"]}"#, patch: #"[{"op":"add","path":"/foo/1","value":"qux"}]"#, expected: #"{"foo":["bar","qux","baz"]}"#),
        Case(document: #"{"baz":"qux","foo":"bar"}"#, patch: #"[{"op":"remove","path":"/baz"}]"#, expected: #"{"foo":"bar"}"#),
        Case(document: #"{"foo":["bar","qux","baz"]}"#, patch: #"[{"op":"remove","path":"/foo/1"}]"#, expected: #"{"foo":["bar","baz"]}"#),
        Case(document: #"{"baz":"qux","foo":"bar"}"#, patch: #"[{"op":"replace","path":"/baz","value":"boo"}]"#, expected: #"{"baz":"boo","foo":"bar"}"#),
        Case(document: #"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#,
             patch: #"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#,
             expected: #"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#),
        Case(document: #"{"foo":["all","grass","cows","eat"]}"#, patch: #"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#,
             expected: #"{"foo":["all","cows","eat","grass"]}"#),
        Case(document: #"{"foo":["bar"]}"#, patch: #"[{"op":"add","path":"/foo/-","value":["abc","def"]}]"#, expected: #"{"foo":["bar",["abc","def"]]}"#),
        Case(document: #"{"foo":"bar"}"#, patch: #"[{"op":"copy","from":"/foo","path":"/baz"}]"#, expected: #"{"baz":"bar","foo":"bar"}"#),
        Case(document: #"{"a/b":{"m~n":1}}"#, patch: #"[{"op":"replace","path":"/a~1b/m~0n","value":2}]"#, expected: #"{"a/b":{"m~n":2}}"#),
        Case(document: #"{"n":1}"#, patch: #"[{"op":"test","path":"/n","value":1.0},{"op":"replace","path":"","value":{"whole":true}}]"#, expected: #"{"whole":true}"#),
    ]

    @Test("the RFC's examples give the RFC's results", arguments: examples)
    func example(_ example: Case) throws {
        let patched = try Self.parse(example.document).applying(jsonPatch: try Self.parse(example.patch).arrayValue!)
        #expect(patched == (try Self.parse(example.expected)))
    }

    @Test("errors name the op and the member at fault, and leave the value as it was")
    func errors() throws {
        let document = try Self.parse(#"{"list":[1,2],"n":1}"#)
        func failure(_ patch: String) throws -> JSONPatchError? {
            do {
                _ = try document.applying(jsonPatch: try Self.parse(patch).arrayValue!)
                return nil
            } catch let error as JSONPatchError {
                return error
            }
        }
        #expect(try failure(#"[{"op":"add","path":"/n","value":2},{"op":"remove","path":"/nope"}]"#) == JSONPatchError(kind: .pathNotFound, index: 1, member: "path", message: "no value at /nope"))
        #expect(try failure(#"[{"op":"test","path":"/n","value":2}]"#)?.kind == .testFailed)
        #expect(try failure(#"[{"op":"add","path":"/list/3","value":0}]"#)?.kind == .pathNotFound)
        #expect(try failure(#"[{"op":"add","path":"/list/01","value":0}]"#)?.kind == .pathNotFound)
        #expect(try failure(#"[{"op":"frobnicate","path":"/n"}]"#)?.member == "op")
        #expect(try failure(#"[{"op":"add","path":"n","value":0}]"#)?.member == "path")
        #expect(try failure(#"[{"op":"copy","path":"/x"}]"#)?.member == "from")
        #expect(try failure(#"[{"op":"move","from":"/list","path":"/list/0"}]"#)?.member == "from")
        #expect(document == (try Self.parse(#"{"list":[1,2],"n":1}"#)))
    }

    @Test("a delta turns its source into its target; an append is one add at the end")
    func delta() throws {
        let pairs: [(String, String)] = [
            (#"{"messages":[1,2,3],"title":"t"}"#, #"{"messages":[1,2,3,4],"title":"t"}"#),
            (#"{"messages":[1,2,3]}"#, #"{"messages":[1]}"#),
            (#"{"messages":[1,2,3]}"#, #"{"messages":[3,2,1]}"#),
            (#"{"a":{"b":[{"c":1}]},"gone":true}"#, #"{"a":{"b":[{"c":1},{"c":2}]},"new":null}"#),
        ]
        for (source, target) in pairs {
            let from = try Self.parse(source), to = try Self.parse(target)
            #expect(try from.applying(jsonPatch: from.delta(to: to)) == to)
        }
        let append = try Self.parse(#"{"messages":[1,2,3]}"#).delta(to: try Self.parse(#"{"messages":[1,2,3,4]}"#))
        #expect(append == [["op": "add", "path": "/messages/-", "value": 4]])
    }

    @Test("pointers are code points: a combining mark after `/` or `~` leaves it a separator or an escape")
    func combiningMarks() throws {
        // Found by Fuzz/FuzzPatch: "/" + "\u{301}c" is one Swift character, so the pointer
        // to member "\u{301}c" was refused as "not a JSON pointer".
        let source: JSONValue = ["\u{301}c": 1, "~\u{301}": 2, "/\u{301}": 3]
        let target: JSONValue = ["\u{301}c": 4, "x": ["~\u{301}": 5]]
        let patch = source.jsonPatch(to: target)
        #expect(try source.applying(jsonPatch: patch) == target)
        #expect(try source.applying(jsonPatch: source.delta(to: target)) == target)
        #expect(patch.contains(["op": "remove", "path": "/~0\u{301}"]))
        #expect(try source.applying(jsonPatch: [["op": "remove", "path": "/~1\u{301}"]]) == ["\u{301}c": 1, "~\u{301}": 2])
    }
}
