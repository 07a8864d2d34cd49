/// Encodes `Encodable` types straight to JSON text, as `JSONWriter` writes it: object members
/// in UTF-8 order, no `JSONValue` tree built on the way.
///
/// A `nil` optional is written as `null`, the protocol's rule for an absent value, even where a
/// synthesized conformance asks for it to be left out (`encodeIfPresent`); a type with a member
/// that is left out when absent encodes it only when present. A value that is `JSONWritable`
/// inside an encoded one writes itself (stored entity text as it is).
public struct JSONTextEncoder {
    public init() {}

    /// Appends `value` to `writer`; on failure nothing is appended.
    public func encode(_ value: some Encodable, into writer: inout JSONWriter) throws {
        let scratch = Scratch()
        let root = Node()
        try value.encode(to: TextEncoder(node: root, scratch: scratch, codingPath: []))
        root.write(into: &writer, from: scratch.writer.bytes)
    }

    /// The text of `value`.
    public func encode(_ value: some Encodable) throws -> [UInt8] {
        var writer = JSONWriter()
        try encode(value, into: &writer)
        return writer.bytes
    }
}

/// Where leaves are written as they are encoded; nodes keep the ranges.
private final class Scratch {
    var writer = JSONWriter()
}

/// An encoded value: leaf text in the scratch buffer, or an object or array of encoded values,
/// put together once encoding is over (an object's members then sorted).
private final class Node {
    enum Slot {
        case text(Range<Int>)
        case node(Node)
    }

    enum Shape {
        case empty
        case leaf(Range<Int>)
        case object([(key: CodePointString, value: Slot)])
        case array([Slot])
    }

    var shape = Shape.empty

    func write(into writer: inout JSONWriter, from scratch: [UInt8]) {
        switch shape {
        case .empty:
            writer.appendASCII("{}")
        case .leaf(let range):
            writer.bytes.append(contentsOf: scratch[range])
        case .object(let members):
            // Sorted by key, a later member replacing an earlier one of the same key.
            let ordered = members.indices.sorted { a, b in
                members[a].key == members[b].key ? a < b : members[a].key < members[b].key
            }
            writer.bytes.append(UInt8(ascii: "{"))
            var first = true
            for (position, index) in ordered.enumerated() {
                if position + 1 < ordered.count, members[ordered[position + 1]].key == members[index].key { continue }
                if !first { writer.bytes.append(UInt8(ascii: ",")) }
                first = false
                writer.write(string: members[index].key.string)
                writer.bytes.append(UInt8(ascii: ":"))
                Self.write(members[index].value, into: &writer, from: scratch)
            }
            writer.bytes.append(UInt8(ascii: "}"))
        case .array(let elements):
            writer.bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
                Self.write(element, into: &writer, from: scratch)
            }
            writer.bytes.append(UInt8(ascii: "]"))
        }
    }

    static func write(_ slot: Slot, into writer: inout JSONWriter, from scratch: [UInt8]) {
        switch slot {
        case .text(let range): writer.bytes.append(contentsOf: scratch[range])
        case .node(let node): node.write(into: &writer, from: scratch)
        }
    }

    func add(_ key: CodePointString, _ slot: Slot) {
        guard case .object(var members) = shape else { return }
        shape = .empty  // keeps `members` uniquely referenced while it grows
        members.append((key, slot))
        shape = .object(members)
    }

    func append(_ slot: Slot) {
        guard case .array(var elements) = shape else { return }
        shape = .empty
        elements.append(slot)
        shape = .array(elements)
    }

    var count: Int {
        if case .array(let elements) = shape { return elements.count }
        return 0
    }
}

private struct TextEncoder: Encoder {
    let node: Node
    let scratch: Scratch
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.shape {} else { node.shape = .object([]) }
        return KeyedEncodingContainer(KeyedContainer(node: node, scratch: scratch, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = node.shape {} else { node.shape = .array([]) }
        return UnkeyedContainer(node: node, scratch: scratch, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(node: node, scratch: scratch, codingPath: codingPath)
    }
}

/// `value` encoded: leaves and `JSONWritable`s as text at once, anything else as a node.
private func slot<T: Encodable>(for value: T, _ scratch: Scratch, path: [any CodingKey]) throws -> Node.Slot {
    let start = scratch.writer.bytes.count
    // Type comparisons, not casts: this runs for every member.
    if T.self == String.self {
        scratch.writer.write(string: unsafeBitCast(value, to: String.self))
    } else if T.self == Int.self {
        scratch.writer.appendInteger(unsafeBitCast(value, to: Int.self))
    } else if T.self == Bool.self {
        scratch.writer.appendASCII(unsafeBitCast(value, to: Bool.self) ? "true" : "false")
    } else if let writable = value as? any JSONWritable, !(writable is any JSONEncodable) {
        // Its own text (an entity's stored data as it is); a JSONEncodable is encoded in place below.
        writable.write(to: &scratch.writer)
    } else {
        let child = Node()
        try value.encode(to: TextEncoder(node: child, scratch: scratch, codingPath: path))
        return .node(child)
    }
    return .text(start..<scratch.writer.bytes.count)
}

/// `null` as text.
private func null(_ scratch: Scratch) -> Node.Slot {
    let start = scratch.writer.bytes.count
    scratch.writer.appendASCII("null")
    return .text(start..<scratch.writer.bytes.count)
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let scratch: Scratch
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.add(CodePointString(key.stringValue), null(scratch)) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        node.add(CodePointString(key.stringValue), try slot(for: value, scratch, path: codingPath + [key]))
    }

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

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        nestedEncoder(key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { nestedEncoder(key).unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { TextEncoder(node: node, scratch: scratch, codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { nestedEncoder(key) }

    private func nestedEncoder(_ key: Key) -> TextEncoder {
        let child = Node()
        node.add(CodePointString(key.stringValue), .node(child))
        return TextEncoder(node: child, scratch: scratch, codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: Node
    let scratch: Scratch
    let codingPath: [any CodingKey]
    var count: Int { node.count }

    mutating func encodeNil() throws { node.append(null(scratch)) }
    mutating func encode<T: Encodable>(_ value: T) throws { node.append(try slot(for: value, scratch, path: codingPath)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        nestedEncoder().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { nestedEncoder().unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { nestedEncoder() }

    private func nestedEncoder() -> TextEncoder {
        let child = Node()
        node.append(.node(child))
        return TextEncoder(node: child, scratch: scratch, codingPath: codingPath)
    }
}

/// One value: primitives as their JSON text, anything else through `slot(for:)`.
private struct SingleContainer: SingleValueEncodingContainer {
    let node: Node
    let scratch: Scratch
    let codingPath: [any CodingKey]

    private func leaf(_ write: (inout JSONWriter) -> Void) {
        let start = scratch.writer.bytes.count
        write(&scratch.writer)
        node.shape = .leaf(start..<scratch.writer.bytes.count)
    }

    mutating func encodeNil() throws { leaf { $0.appendASCII("null") } }
    mutating func encode(_ value: Bool) throws { leaf { $0.appendASCII(value ? "true" : "false") } }
    mutating func encode(_ value: String) throws { leaf { $0.write(string: value) } }
    mutating func encode(_ value: Double) throws { leaf { $0.write(.double(value)) } }
    mutating func encode(_ value: Float) throws { leaf { $0.write(.double(Double(value))) } }
    mutating func encode(_ value: Int) throws { leaf { $0.appendInteger(value) } }
    mutating func encode(_ value: Int8) throws { leaf { $0.appendInteger(Int(value)) } }
    mutating func encode(_ value: Int16) throws { leaf { $0.appendInteger(Int(value)) } }
    mutating func encode(_ value: Int32) throws { leaf { $0.appendInteger(Int(value)) } }
    mutating func encode(_ value: Int64) throws { leaf { $0.appendInteger(Int(value)) } }
    mutating func encode(_ value: UInt) throws { leaf { $0.appendVerbatim(String(value)) } }
    mutating func encode(_ value: UInt8) throws { leaf { $0.appendInteger(Int(value)) } }
    mutating func encode(_ value: UInt16) throws { leaf { $0.appendInteger(Int(value)) } }
    mutating func encode(_ value: UInt32) throws { leaf { $0.appendInteger(Int(value)) } }
    mutating func encode(_ value: UInt64) throws { leaf { $0.appendVerbatim(String(value)) } }

    mutating func encode<T: Encodable>(_ value: T) throws {
        switch try slot(for: value, scratch, path: codingPath) {
        case .text(let range): node.shape = .leaf(range)
        case .node(let child): node.shape = child.shape
        }
    }
}
