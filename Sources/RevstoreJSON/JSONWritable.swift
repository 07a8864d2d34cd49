/// A value that writes itself as JSON text: a response or notification is written straight
/// into the outgoing message, with no `JSONValue` tree built for it first.
public protocol JSONWritable: Sendable {
    func write(to writer: inout JSONWriter)
}

extension JSONValue: JSONWritable {
    public func write(to writer: inout JSONWriter) { writer.write(self) }

    /// The value that `value` writes: for code that needs to look inside a result.
    public init(writing value: some JSONWritable) {
        var writer = JSONWriter()
        value.write(to: &writer)
        self = (try? JSONParser.parse(writer.bytes, maximumDepth: .max)) ?? .null
    }
}

extension JSONWritable where Self: Encodable {
    /// An `Encodable` result writes what `JSONTextEncoder` makes of it.
    public func write(to writer: inout JSONWriter) {
        do { try JSONTextEncoder().encode(self, into: &writer) } catch { writer.appendASCII("null") }
    }
}

/// JSON text that is already canonical (as the store keeps documents): written as it is,
/// never parsed and serialized again.
public struct CanonicalJSONText: JSONWritable, Hashable {
    public let text: String

    /// `text` must be JSON as `JSONWriter` writes it; nothing checks it here.
    public init(unchecked text: String) { self.text = text }

    /// The value, parsed: only for a caller that must look inside.
    public func parsed() throws -> JSONValue { try JSONParser.parse(text) }

    public func write(to writer: inout JSONWriter) { writer.appendVerbatim(text) }
}

extension JSONWriter {
    /// Appends `text` unchanged: it must already be JSON in this writer's form.
    public mutating func appendVerbatim(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Writes `{"k1":v1,...}` from members given in order: the caller lists keys in UTF-8
    /// order, as `write(_:)` would sort them, so both forms write the same bytes.
    public mutating func writeObject(_ body: (inout ObjectMembers) -> Void) {
        var members = ObjectMembers(writer: self)
        bytes = []
        members.writer.bytes.append(UInt8(ascii: "{"))
        body(&members)
        members.writer.bytes.append(UInt8(ascii: "}"))
        self = members.writer
    }

    public mutating func write(_ value: some JSONWritable) { value.write(to: &self) }

    /// The members of an object being written by `writeObject`.
    public struct ObjectMembers {
        fileprivate var writer: JSONWriter
        private var first = true

        fileprivate init(writer: JSONWriter) { self.writer = writer }

        public mutating func member(_ key: StaticString, _ value: some JSONWritable) {
            separate(key)
            value.write(to: &writer)
        }

        /// `null` when there is no value.
        public mutating func member(_ key: StaticString, _ value: (some JSONWritable)?) {
            separate(key)
            if let value { value.write(to: &writer) } else { writer.appendASCII("null") }
        }

        public mutating func member(_ key: StaticString, _ value: String) {
            separate(key)
            writer.write(string: value)
        }

        public mutating func member(_ key: StaticString, _ value: String?) {
            separate(key)
            if let value { writer.write(string: value) } else { writer.appendASCII("null") }
        }

        public mutating func member(_ key: StaticString, _ value: Int) {
            separate(key)
            writer.appendInteger(value)
        }

        public mutating func member(_ key: StaticString, _ value: Int?) {
            separate(key)
            if let value { writer.appendInteger(value) } else { writer.appendASCII("null") }
        }

        public mutating func member(_ key: StaticString, _ value: Bool) {
            separate(key)
            writer.appendASCII(value ? "true" : "false")
        }

        /// Members of an array value, each written by `body`.
        public mutating func member<S: Sequence>(_ key: StaticString, each elements: S, _ body: (inout JSONWriter, S.Element) -> Void) {
            separate(key)
            writer.writeArray(elements, body)
        }

        private mutating func separate(_ key: StaticString) {
            if !first { writer.bytes.append(UInt8(ascii: ",")) }
            first = false
            writer.bytes.append(UInt8(ascii: "\""))
            writer.appendASCII(key)
            writer.appendASCII("\":")
        }
    }

    public mutating func writeArray<S: Sequence>(_ elements: S, _ body: (inout JSONWriter, S.Element) -> Void) {
        bytes.append(UInt8(ascii: "["))
        var first = true
        for element in elements {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            body(&self, element)
            if let spill, bytes.count >= spill.partSize {
                spill.send(bytes)
                bytes.removeAll(keepingCapacity: true)
            }
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// The decimal digits of `value`, written without making a string of them.
    public mutating func appendInteger(_ value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<20]))
        }
    }
}

/// A type whose JSON form is declared once, by its own `write(to:)` (for the types written most,
/// where the `Encodable` path costs too much): inside another `Encodable` value it encodes as
/// what it writes.
public protocol JSONWriterEncodable: JSONWritable, Encodable {}

extension JSONWriterEncodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(json)
    }

    /// The value this type writes.
    public var json: JSONValue { JSONValue(writing: self) }
}

/// A type whose JSON form is declared once, by its `Encodable` conformance: written straight
/// into a reply, and read back as a `JSONValue` where code must look inside it.
public protocol JSONEncodable: Encodable, JSONWritable {}

extension JSONEncodable {
    /// The value this type encodes to.
    public var json: JSONValue { JSONValue(writing: self) }
}
