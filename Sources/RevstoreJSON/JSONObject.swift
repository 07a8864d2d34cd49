/// A JSON object's members: unordered, each key a distinct sequence of code points.
///
/// Keys are read and written as `String`s, but two keys are one only when their code points
/// are (`CodePointString`): `{"\u{E9}": 1, "e\u{301}": 2}` has two members, as it has in every
/// JSON parser and in SQLite.
public struct JSONObject: Sendable, Hashable {
    private var members: [CodePointString: JSONValue]

    public init() { members = [:] }
    public init(minimumCapacity: Int) { members = Dictionary(minimumCapacity: minimumCapacity) }
    init(members: [CodePointString: JSONValue]) { self.members = members }

    /// Members from pairs whose keys are distinct code point sequences (a repeat traps, as
    /// for `Dictionary`).
    public init(uniqueKeysWithValues pairs: some Sequence<(String, JSONValue)>) {
        members = Dictionary(uniqueKeysWithValues: pairs.lazy.map { (CodePointString($0.0), $0.1) })
    }

    public subscript(key: String) -> JSONValue? {
        get { members[CodePointString(key)] }
        set { members[CodePointString(key)] = newValue }
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    /// Some member, the only one of a one-member object.
    public var first: (key: String, value: JSONValue)? { members.first.map { ($0.key.string, $0.value) } }
    public var keys: LazyMapCollection<Dictionary<CodePointString, JSONValue>.Keys, String> { members.keys.lazy.map(\.string) }
    public var values: Dictionary<CodePointString, JSONValue>.Values { members.values }

    /// The keys in code point order: stable, locale-free, and what the writer emits.
    public var sortedKeys: [String] {
        if members.count < 2 { return members.keys.map(\.string) }
        return members.keys.sorted().map(\.string)
    }

    /// The members in code point order of their keys: what the writer emits.
    var sortedMembers: [(key: CodePointString, value: JSONValue)] {
        if members.count < 2 { return members.map { ($0.key, $0.value) } }
        return members.sorted { $0.key < $1.key }
    }

    /// The keys as code point strings, for sets of keys that must not merge equivalent ones.
    public var codePointKeys: Dictionary<CodePointString, JSONValue>.Keys { members.keys }

    public func mapValues(_ transform: (JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        JSONObject(members: try members.mapValues(transform))
    }
}

extension JSONObject: Sequence {
    public struct Iterator: IteratorProtocol {
        var base: Dictionary<CodePointString, JSONValue>.Iterator
        public mutating func next() -> (key: String, value: JSONValue)? {
            base.next().map { ($0.key.string, $0.value) }
        }
    }

    public func makeIterator() -> Iterator { Iterator(base: members.makeIterator()) }
    public var underestimatedCount: Int { members.count }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// A repeated key keeps its last value, as the parser does.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = Dictionary(elements.lazy.map { (CodePointString($0.0), $0.1) }, uniquingKeysWith: { _, last in last })
    }
}
