extension JSONValue {
    /// The value with every number in one canonical spelling, so that values equal as JSON
    /// (`1`, `1.0`, `1e0`) serialize to the same bytes. With the writer's sorted keys, two values
    /// are equal exactly when their canonical texts are.
    public var canonicalized: JSONValue { isCanonical ? self : rebuiltCanonical }

    /// The canonical copy, made without asking each subtree again whether it needs one.
    private var rebuiltCanonical: JSONValue {
        switch self {
        case .number(let n): .number(n.canonical)
        case .array(let elements): .array(elements.map(\.rebuiltCanonical))
        case .object(let members): .object(members.mapValues(\.rebuiltCanonical))
        default: self
        }
    }

    /// Whether every number is already in its canonical spelling: found without copying.
    private var isCanonical: Bool {
        switch self {
        case .number(let n): n.isCanonical
        case .array(let elements): elements.allSatisfy(\.isCanonical)
        case .object(let members): members.values.allSatisfy(\.isCanonical)
        default: true
        }
    }

    /// Why a value cannot be stored as it is.
    public enum Unstorable: Sendable, Equatable {
        /// A number beyond a double's range (`1e999`): it has no canonical spelling, so the
        /// store refuses it rather than keep something else.
        case numberOutOfRange
        /// An object whose only member is `$bytes`, not holding standard padded base64.
        case malformedBytes
    }

    /// The dotted path (`a.0.b`, empty for the value itself) of the first part of the value the
    /// store cannot keep exactly, and why. Nil when all of it can be kept.
    public var firstUnstorable: (path: String, problem: Unstorable)? {
        switch self {
        case .number(let n):
            return n.isWithinDoubleRange ? nil : ("", .numberOutOfRange)
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if let found = element.firstUnstorable { return (Self.join("\(index)", found.path), found.problem) }
            }
            return nil
        case .object(let members):
            if bytesMember != nil {
                return bytesValue == nil ? ("", .malformedBytes) : nil
            }
            for member in members.sortedMembers {
                if let found = member.value.firstUnstorable { return (Self.join(member.key.string, found.path), found.problem) }
            }
            return nil
        default:
            return nil
        }
    }

    private static func join(_ head: String, _ tail: String) -> String { tail.isEmpty ? head : "\(head).\(tail)" }

    /// Compact, key-sorted, number-normalized JSON text.
    public var canonicalText: String {
        var writer = JSONWriter()
        writer.writeCanonical(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension JSONNumber {
    /// Integers as plain digits (no `-0`), other numbers in Swift's shortest round-trip form.
    public var canonical: JSONNumber {
        // A JSON integer literal has no sign but `-`, no leading zero: its digits are canonical
        // (beyond 64 bits too), all but `-0`'s.
        if isIntegerLiteral { return literal == "-0" ? JSONNumber(0) : self }
        let d = doubleValue
        if d == d.rounded(.towardZero), abs(d) < 9.007199254740992e15 { return JSONNumber(Int(d)) }
        return JSONNumber(d)
    }

    /// Whether the value is within a double's range: any integer literal short of 309 digits is,
    /// known without parsing it.
    var isWithinDoubleRange: Bool { (isIntegerLiteral && literal.utf8.count < 300) || !doubleValue.isInfinite }

    var isCanonical: Bool { isIntegerLiteral ? literal != "-0" : canonical.literal == literal }
}
