/// Serializes `JSONValue`s to compact UTF-8 JSON.
///
/// Output is canonical: no white space, object keys sorted by their UTF-8 bytes, numbers as
/// their literal. U+2028 and U+2029 are escaped, so a client that splits text on Unicode line
/// separators still sees one message per line.
public struct JSONWriter {
    public internal(set) var bytes: [UInt8]
    /// Where a long text leaves in parts while it is still being written; nil keeps it all
    /// in `bytes`.
    public var spill: Spill?

    /// Takes what a writer holds once it reaches `partSize` bytes, between two elements of an
    /// array: the only points where the writer knows the text so far is a whole prefix.
    public struct Spill {
        public let partSize: Int
        public let send: ([UInt8]) -> Void

        public init(partSize: Int, send: @escaping ([UInt8]) -> Void) {
            self.partSize = partSize
            self.send = send
        }
    }

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public static func encode(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(value)
        return writer.bytes
    }

    public mutating func write(_ value: JSONValue) {
        write(value, numbers: { $0 }, replacing: { _ in nil })
    }

    /// Writes `value` as `JSONValue.canonicalText` spells it, with no canonical copy of it made
    /// first.
    public mutating func writeCanonical(_ value: JSONValue) {
        write(value, numbers: \.canonical, replacing: { _ in nil })
    }

    /// `writeCanonical`, each object that `replacement` gives a value for written as that value.
    public mutating func writeCanonical(_ value: JSONValue, replacing replacement: (JSONValue) throws -> JSONValue?) rethrows {
        try write(value, numbers: \.canonical, replacing: replacement)
    }

    private mutating func write(_ value: JSONValue, numbers: (JSONNumber) -> JSONNumber,
                                replacing replacement: (JSONValue) throws -> JSONValue?) rethrows {
        switch value {
        case .null: appendASCII("null")
        case .bool(let b): appendASCII(b ? "true" : "false")
        case .number(let n): bytes.append(contentsOf: numbers(n).literal.utf8)
        case .string(let s): write(string: s)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { bytes.append(UInt8(ascii: ",")) }
                try write(element, numbers: numbers, replacing: replacement)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            if let replaced = try replacement(value) {
                write(replaced, numbers: numbers, replacing: { _ in nil })
                return
            }
            bytes.append(UInt8(ascii: "{"))
            for (offset, member) in members.sortedMembers.enumerated() {
                if offset > 0 { bytes.append(UInt8(ascii: ",")) }
                write(string: member.key.string)
                bytes.append(UInt8(ascii: ":"))
                try write(member.value, numbers: numbers, replacing: replacement)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    public mutating func appendASCII(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public mutating func write(string: String) {
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            var i = 0
            let count = utf8.count
            while i < count {
                let byte = utf8[i]
                // Most bytes need nothing: test for them first and copy whole runs.
                if byte >= 0x20, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte != 0xE2 {
                    i += 1
                    continue
                }
                let escape: StaticString?
                var extra = 0
                switch byte {
                case UInt8(ascii: "\""): escape = "\\\""
                case UInt8(ascii: "\\"): escape = "\\\\"
                case 0x0A: escape = "\\n"
                case 0x0D: escape = "\\r"
                case 0x09: escape = "\\t"
                case 0x08: escape = "\\b"
                case 0x0C: escape = "\\f"
                case 0xE2 where i + 2 < count && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9):
                    escape = utf8[i + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                    extra = 2
                default:
                    escape = byte < 0x20 ? "" : nil
                }
                if let escape {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                    if escape.utf8CodeUnitCount == 0 {
                        appendControlEscape(byte)
                    } else {
                        bytes.append(contentsOf: UnsafeBufferPointer(start: escape.utf8Start, count: escape.utf8CodeUnitCount))
                    }
                    i += 1 + extra
                    runStart = i
                } else {
                    i += 1
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendControlEscape(_ byte: UInt8) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        appendASCII("\\u00")
        bytes.append(hex[Int(byte >> 4)])
        bytes.append(hex[Int(byte & 0x0F)])
    }
}
