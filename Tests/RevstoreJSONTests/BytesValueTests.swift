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
