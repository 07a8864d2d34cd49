/// Encodes `Encodable` types into a `JSONValue` tree, ready for `JSONWriter`.
///
/// A `nil` optional is written as `null`, the protocol's rule for an absent value, even where a
/// synthesized conformance asks for it to be left out (`encodeIfPresent`); a type with a member
/// that is left out when absent encodes it only when present.
public struct JSONValueEncoder {
    public init() {}

    public func encode(_ value: some Encodable) throws -> JSONValue {
        if let direct = value as? JSONValue { return direct }
        let box = ValueBox()
        try value.encode(to: ValueEncoder(box: box, codingPath: []))
        return box.resolved()
    }
}

/// A reference to the value being built, so nested containers can write into their parent.
private final class ValueBox {
    var value: JSONValue = .null
    var members: [CodePointString: ValueBox] = [:]
    var elements: [ValueBox] = []
    enum Shape { case leaf, object, array }
    var shape = Shape.leaf

    func resolved() -> JSONValue {
        switch shape {
        case .leaf: value
        case .object: .object(JSONObject(members: members.mapValues { $0.resolved() }))
        case .array: .array(elements.map { $0.resolved() })
        }
    }
}

private struct ValueEncoder: Encoder {
    let box: ValueBox
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if box.shape != .object { box.shape = .object; box.members = [:] }
        return KeyedEncodingContainer(KeyedContainer(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if box.shape != .array { box.shape = .array; box.elements = [] }
        return UnkeyedContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(box: box, codingPath: codingPath) }
}

/// Encodes one value into `box`, taking the fast path for leaves and `JSONValue`.
private func encodeValue<T: Encodable>(_ value: T, into box: ValueBox, path: [any CodingKey]) throws {
    switch value {
    case let v as JSONValue: box.value = v
    case let v as String: box.value = .string(v)
    case let v as Bool: box.value = .bool(v)
    case let v as Int: box.value = .integer(v)
    case let v as Int64: box.value = .number(JSONNumber(v))
    case let v as Double: box.value = .double(v)
    default:
        try value.encode(to: ValueEncoder(box: box, codingPath: path))
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: ValueBox
    let codingPath: [any CodingKey]

    private func child(_ key: Key) -> ValueBox {
        let child = ValueBox()
        box.members[CodePointString(key.stringValue)] = child
        return child
    }

    mutating func encodeNil(forKey key: Key) throws { child(key).value = .null }

    // Every `encodeIfPresent` writes `null` for nil; each overload must be spelled out, or the
    // protocol's default for that type would leave the member out.
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try present(value, key) }

    private mutating func present<T: Encodable>(_ value: T?, _ key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try encodeValue(value, into: child(key), path: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        ValueEncoder(box: child(key), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        ValueEncoder(box: child(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(box: box, codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { ValueEncoder(box: child(key), codingPath: codingPath + [key]) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let box: ValueBox
    let codingPath: [any CodingKey]
    var count: Int { box.elements.count }

    private func child() -> ValueBox {
        let child = ValueBox()
        box.elements.append(child)
        return child
    }

    mutating func encodeNil() throws { child().value = .null }
    mutating func encode<T: Encodable>(_ value: T) throws { try encodeValue(value, into: child(), path: codingPath) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        ValueEncoder(box: child(), codingPath: codingPath).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        ValueEncoder(box: child(), codingPath: codingPath).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { ValueEncoder(box: child(), codingPath: codingPath) }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let box: ValueBox
    let codingPath: [any CodingKey]
    mutating func encodeNil() throws { box.value = .null }
    mutating func encode<T: Encodable>(_ value: T) throws { try encodeValue(value, into: box, path: codingPath) }
}
