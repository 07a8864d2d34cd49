/// Why an RFC 6902 JSON Patch could not be applied.
public struct JSONPatchError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The operation is malformed (unknown `op`, missing member, bad pointer).
        case invalid
        /// A path that must exist does not.
        case pathNotFound
        /// A `test` operation found another value.
        case testFailed
    }

    public var kind: Kind
    /// The index of the failing operation.
    public var index: Int
    /// The member of that operation at fault (`path`, `from`, `op`, `value`).
    public var member: String
    public var message: String
    /// For a failed `test`: the value tested for, and the value found.
    public var expected: JSONValue? = nil
    public var actual: JSONValue? = nil
}

extension JSONValue {
    /// The value with an RFC 6902 JSON Patch applied: `add`, `remove`, `replace`, `move`, `copy`
    /// and `test`, with `-` for the end of an array. Only the containers on each operation's path
    /// are copied, so appending to a long array costs about one element, with no parsing or
    /// encoding.
    public func applying(jsonPatch operations: [JSONValue]) throws(JSONPatchError) -> JSONValue {
        var result = self
        for (index, operation) in operations.enumerated() {
            try result.apply(operation, index: index)
        }
        return result
    }

    private mutating func apply(_ operation: JSONValue, index: Int) throws(JSONPatchError) {
        func invalid(_ member: String, _ message: String) -> JSONPatchError {
            JSONPatchError(kind: .invalid, index: index, member: member, message: message)
        }
        guard case .object(let members) = operation else { throw invalid("op", "an operation must be an object") }
        guard let op = members["op"]?.stringValue else { throw invalid("op", "op must be a string") }
        guard let pathText = members["path"]?.stringValue else { throw invalid("path", "path must be a string") }
        guard let path = JSONPointer(pathText) else { throw invalid("path", "path is not a JSON pointer: \(pathText)") }
        func value() throws(JSONPatchError) -> JSONValue {
            guard let value = members["value"] else { throw invalid("value", "\(op) needs a value") }
            return value
        }
        func from() throws(JSONPatchError) -> JSONPointer {
            guard let text = members["from"]?.stringValue else { throw invalid("from", "\(op) needs from") }
            guard let pointer = JSONPointer(text) else { throw invalid("from", "from is not a JSON pointer: \(text)") }
            return pointer
        }
        switch op {
        case "add":
            try insert(try value(), at: path, index: index, member: "path")
        case "remove":
            _ = try remove(at: path, index: index, member: "path")
        case "replace":
            let new = try value()
            try modify(at: path, index: index, member: "path") { $0 = new }
        case "move":
            let source = try from()
            if source == path { return }
            if path.tokens.starts(with: source.tokens) {
                throw invalid("from", "cannot move a value into itself")
            }
            let moved = try remove(at: source, index: index, member: "from")
            try insert(moved, at: path, index: index, member: "path")
        case "copy":
            let copied = try read(at: try from(), index: index, member: "from")
            try insert(copied, at: path, index: index, member: "path")
        case "test":
            let expected = try value()
            let actual = try read(at: path, index: index, member: "path")
            guard actual.canonicalized == expected.canonicalized else {
                throw JSONPatchError(kind: .testFailed, index: index, member: "path", message: "the value at \(pathText) is not the one tested for",
                                     expected: expected, actual: actual)
            }
        default:
            throw invalid("op", "unknown op \"\(op)\"; expected add, remove, replace, move, copy or test")
        }
    }

    private func read(at pointer: JSONPointer, index: Int, member: String) throws(JSONPatchError) -> JSONValue {
        var current = self
        for token in pointer.tokens {
            switch current {
            case .object(let members) where members[token] != nil:
                current = members[token]!
            case .array(let elements):
                guard let position = JSONPointer.arrayIndex(token, count: elements.count), position < elements.count else {
                    throw Self.notFound(pointer, index: index, member: member)
                }
                current = elements[position]
            default:
                throw Self.notFound(pointer, index: index, member: member)
            }
        }
        return current
    }

    /// Runs `body` on the value at `tokens`, in place.
    private mutating func modify(at tokens: ArraySlice<String>, pointer: JSONPointer? = nil, index: Int, member: String,
                                 _ body: (inout JSONValue) throws(JSONPatchError) -> Void) throws(JSONPatchError) {
        guard let token = tokens.first else { return try body(&self) }
        let pointer = pointer ?? JSONPointer(tokens: Array(tokens))
        switch self {
        case .object(var members):
            guard members[token] != nil else { throw Self.notFound(pointer, index: index, member: member) }
            self = .null
            defer { self = .object(members) }
            try members[token]!.modify(at: tokens.dropFirst(), pointer: pointer, index: index, member: member, body)
        case .array(var elements):
            guard let position = JSONPointer.arrayIndex(token, count: elements.count), position < elements.count else {
                throw Self.notFound(pointer, index: index, member: member)
            }
            self = .null
            defer { self = .array(elements) }
            try elements[position].modify(at: tokens.dropFirst(), pointer: pointer, index: index, member: member, body)
        default:
            throw Self.notFound(pointer, index: index, member: member)
        }
    }

    private mutating func modify(at pointer: JSONPointer, index: Int, member: String,
                                 _ body: (inout JSONValue) throws(JSONPatchError) -> Void) throws(JSONPatchError) {
        try modify(at: pointer.tokens[...], pointer: pointer, index: index, member: member, body)
    }

    private mutating func insert(_ value: JSONValue, at pointer: JSONPointer, index: Int, member: String) throws(JSONPatchError) {
        guard let last = pointer.tokens.last else {
            self = value
            return
        }
        try modify(at: pointer.tokens.dropLast(), pointer: pointer, index: index, member: member) { (parent: inout JSONValue) throws(JSONPatchError) in
            switch parent {
            case .object(var members):
                parent = .null
                members[last] = value
                parent = .object(members)
            case .array(var elements):
                guard let position = JSONPointer.arrayIndex(last, count: elements.count) else {
                    throw Self.notFound(pointer, index: index, member: member)
                }
                parent = .null
                elements.insert(value, at: position)
                parent = .array(elements)
            default:
                throw Self.notFound(pointer, index: index, member: member)
            }
        }
    }

    private mutating func remove(at pointer: JSONPointer, index: Int, member: String) throws(JSONPatchError) -> JSONValue {
        guard let last = pointer.tokens.last else {
            throw JSONPatchError(kind: .invalid, index: index, member: member, message: "the whole document cannot be removed")
        }
        var removed = JSONValue.null
        try modify(at: pointer.tokens.dropLast(), pointer: pointer, index: index, member: member) { (parent: inout JSONValue) throws(JSONPatchError) in
            switch parent {
            case .object(var members):
                guard let old = members[last] else { throw Self.notFound(pointer, index: index, member: member) }
                parent = .null
                members[last] = nil
                parent = .object(members)
                removed = old
            case .array(var elements):
                guard let position = JSONPointer.arrayIndex(last, count: elements.count), position < elements.count else {
                    throw Self.notFound(pointer, index: index, member: member)
                }
                parent = .null
                removed = elements.remove(at: position)
                parent = .array(elements)
            default:
                throw Self.notFound(pointer, index: index, member: member)
            }
        }
        return removed
    }

    private static func notFound(_ pointer: JSONPointer, index: Int, member: String) -> JSONPatchError {
        JSONPatchError(kind: .pathNotFound, index: index, member: member, message: "no value at \(pointer.text)")
    }
}

/// An RFC 6901 JSON pointer: `""` is the whole document, `/a/0/b~1c` the tokens `a`, `0`, `b/c`.
struct JSONPointer: Equatable {
    var tokens: [String]

    init(tokens: [String]) { self.tokens = tokens }

    /// Parses a pointer byte by byte: it is a sequence of code points, so a combining mark after
    /// a `/` or `~` leaves that `/` or `~` what it is (as Swift's characters would not).
    init?(_ text: String) {
        let bytes = Array(text.utf8)
        if bytes.isEmpty {
            tokens = []
            return
        }
        guard bytes[0] == UInt8(ascii: "/") else { return nil }
        tokens = bytes[1...].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map(Self.unescape)
    }

    var text: String { tokens.map { "/" + Self.escape($0) }.joined() }

    /// `token` as a pointer spells it: `~` as `~0`, `/` as `~1`.
    static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.utf8.count + 4)
        for byte in token.utf8 {
            switch byte {
            case UInt8(ascii: "~"): bytes += [UInt8(ascii: "~"), UInt8(ascii: "0")]
            case UInt8(ascii: "/"): bytes += [UInt8(ascii: "~"), UInt8(ascii: "1")]
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `~1` as `/` and `~0` as `~`, in one pass, so `~01` is `~1` (RFC 6901 §4).
    private static func unescape(_ token: ArraySlice<UInt8>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.count)
        var position = token.startIndex
        while position < token.endIndex {
            let byte = token[position]
            let next = token.index(after: position)
            if byte == UInt8(ascii: "~"), next < token.endIndex, token[next] == UInt8(ascii: "0") || token[next] == UInt8(ascii: "1") {
                bytes.append(token[next] == UInt8(ascii: "0") ? UInt8(ascii: "~") : UInt8(ascii: "/"))
                position = token.index(after: next)
            } else {
                bytes.append(byte)
                position = next
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An array position for `token`: `-` is the end; digits without a leading zero otherwise.
    /// Positions past the end are the caller's to reject (insertion allows `count`).
    static func arrayIndex(_ token: String, count: Int) -> Int? {
        if token == "-" { return count }
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), token == "0" || !token.hasPrefix("0"),
              let position = Int(token), position <= count
        else { return nil }
        return position
    }
}
