import Foundation
import Testing
@testable import RevstoreJSON

@Suite("bytes values")
struct BytesValueTests {
    @Test("only standard padded base64, spelled as its bytes encode, is well-formed")
    func spelling() {
        #expect(JSONValue.bytes([104, 105]) == ["$bytes": "aGk="])
        #expect((["$bytes": "aGk="] as JSONValue).bytesValue == Data([104, 105]))
        #expect((["$bytes": ""] as JSONValue).bytesValue == Data())
        for bad: JSONValue in [["$bytes": "aGk"], ["$bytes": "aGl="], ["$bytes": "a Gk="], ["$bytes": "_-8="], ["$bytes": 1]] {
            #expect(bad.bytesValue == nil, "\(bad)")
            #expect(bad.firstUnstorable?.problem == .malformedBytes, "\(bad)")
        }
        let nested: JSONValue = ["a": [1, ["b": ["$bytes": "%"]]]]
        #expect(nested.firstUnstorable?.path == "a.1.b")
        #expect((["$bytes": "x", "other": 1] as JSONValue).firstUnstorable == nil)
        #expect((["x": [["$bytes": "aGk="]]] as JSONValue).containsBytes)
        #expect(!(["x": ["$bytes": "aGk=", "y": 1]] as JSONValue).containsBytes)
    }

    @Test("a text is well-formed bytes exactly when it decodes and encodes back to itself")
    func spellingAgainstRoundTrip() {
        // Characters whose low bits are clear or set (A 0, B 1, P 15, Q 16, g 32, w 48, 0 52,
        // + 62, / 63), and padding, in every place of one quantum, alone and after another.
        let characters = Array("ABPQgw0+/=".utf8)
        for a in characters { for b in characters { for c in characters { for d in characters {
            for prefix in ["", "QUJD"] {
                let text = prefix + String(decoding: [a, b, c, d], as: UTF8.self)
                let roundTrip = Data(base64Encoded: text).flatMap { $0.base64EncodedString() == text ? $0 : nil }
                #expect(JSONValue.decodeBase64(text) == roundTrip, "\(text)")
            }
        }}}}
    }

    @Test("merge patches and deltas treat a bytes value as one value")
    func atomic() {
        let old: JSONValue = ["f": .bytes([1, 2, 3])], new: JSONValue = ["f": .bytes([4])]
        #expect(old.merging(patch: new) == new)
        #expect((["f": ["a": 1]] as JSONValue).merging(patch: new) == new)
        #expect(old.merging(patch: ["f": ["a": 1]]) == ["f": ["a": 1]])
        #expect(old.delta(to: new) == [["op": "replace", "path": "/f", "value": .bytes([4])]])
        #expect(old.jsonPatch(to: new) == [["op": "replace", "path": "/f", "value": .bytes([4])]])
    }
}
