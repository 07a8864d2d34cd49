/// Decodes `Decodable` types straight from a parsed `JSONValue`, without re-serializing.
///
/// A `JSONValue` property is handed over as it is, so free-form data costs nothing extra.
/// `null` and a missing key both decode as `nil` for optionals.
public struct JSONValueDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        if let direct = value as? T { return direct }
        return try T(from: ValueDecoder(value: value, codingPath: []))
    }
}

private struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch(JSONObject.self, value, codingPath) }
        return KeyedDecodingContainer(KeyedContainer(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch([JSONValue].self, value, codingPath) }
        return UnkeyedContainer(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleContainer(value: value, codingPath: codingPath) }
}

private func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: [any CodingKey]) -> DecodingError {
    DecodingError.typeMismatch(type, .init(codingPath: path, debugDescription: "expected \(expectedName(type)), found \(value.typeName)"))
}

private func expectedName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is Bool.Type: "a boolean"
    case is Double.Type, is Float.Type: "a number"
    case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type, is UInt64.Type: "an integer"
    case is [JSONValue].Type: "an array"
    case is JSONObject.Type: "an object"
    default: "\(type)"
    }
}

/// Decodes one leaf value; shared by the three container kinds.
private func decodeLeaf<T: Decodable>(_ type: T.Type, _ value: JSONValue, _ path: @autoclosure () -> [any CodingKey]) throws -> T {
    if type == JSONValue.self { return value as! T }
    // An array of free-form values (a JSON Patch) as it is, not element by element.
    if type == [JSONValue].self {
        guard case .array(let elements) = value else { throw mismatch(type, value, path()) }
        return elements as! T
    }
    switch type {
    case is String.Type:
        guard case .string(let s) = value else { throw mismatch(type, value, path()) }
        return s as! T
    case is Bool.Type:
        guard case .bool(let b) = value else { throw mismatch(type, value, path()) }
        return b as! T
    case is Int.Type:
        return try integer(value, path()) as! T
    case is Int64.Type:
        return Int64(try integer(value, path())) as! T
    case is Double.Type:
        guard case .number(let n) = value else { throw mismatch(type, value, path()) }
        return n.doubleValue as! T
    default:
        return try T(from: ValueDecoder(value: value, codingPath: path()))
    }
}

private func integer(_ value: JSONValue, _ path: [any CodingKey]) throws -> Int {
    guard case .number(let n) = value else { throw mismatch(Int.self, value, path) }
    guard let i = n.intValue else {
        throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "expected an integer, found \(n.literal)"))
    }
    return i
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: JSONObject
    let codingPath: [any CodingKey]

    var allKeys: [Key] { members.keys.compactMap(Key.init(stringValue:)) }
    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    /// The path of a member, built only for an error or a nested container.
    private func path(_ key: Key) -> [any CodingKey] { codingPath + [key] }

    private func value(for key: Key) throws -> JSONValue {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing required member \"\(key.stringValue)\""))
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool { members[key.stringValue]?.isNull ?? true }

    // The scalar members requests hold most, read without a dynamic cast or a coding path.
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try string(try value(for: key), key) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try bool(try value(for: key), key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(try value(for: key), path(key)) }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try present(key).map { try string($0, key) }
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        try present(key).map { try bool($0, key) }
    }

    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        try present(key).map { try integer($0, path(key)) }
    }

    private func present(_ key: Key) -> JSONValue? {
        guard let value = members[key.stringValue], !value.isNull else { return nil }
        return value
    }

    private func string(_ value: JSONValue, _ key: Key) throws -> String {
        guard case .string(let text) = value else { throw mismatch(String.self, value, path(key)) }
        return text
    }

    private func bool(_ value: JSONValue, _ key: Key) throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch(Bool.self, value, path(key)) }
        return flag
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decodeLeaf(type, try value(for: key), path(key))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = members[key.stringValue], !value.isNull || type == JSONValue.self else { return nil }
        return try decodeLeaf(type, value, path(key))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try ValueDecoder(value: try value(for: key), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ValueDecoder(value: try value(for: key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { ValueDecoder(value: .object(members), codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        ValueDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }
}

private struct IndexKey: CodingKey {
    let intValue: Int?
    let stringValue: String
    init(_ index: Int) { intValue = index; stringValue = String(index) }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.init(intValue) }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(elements: [JSONValue], codingPath: [any CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    /// The next element and its index.
    private mutating func next() throws -> (JSONValue, Int) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(JSONValue.self, .init(codingPath: path(currentIndex), debugDescription: "too few elements"))
        }
        defer { currentIndex += 1 }
        return (elements[currentIndex], currentIndex)
    }

    /// The path of an element, built only for an error or a nested container.
    private func path(_ index: Int) -> [any CodingKey] { codingPath + [IndexKey(index)] }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, index) = try next()
        return try decodeLeaf(type, value, path(index))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (value, index) = try next()
        return try ValueDecoder(value: value, codingPath: path(index)).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (value, index) = try next()
        return try ValueDecoder(value: value, codingPath: path(index)).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (value, index) = try next()
        return ValueDecoder(value: value, codingPath: path(index))
    }
}

private struct SingleContainer: SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { value.isNull }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeLeaf(type, value, codingPath) }
}
