extension JSONValue {
    /// The value with every number in one canonical spelling, so that values equal as JSON
    /// (`1`, `1.0`, `1e0`) serialize to the same bytes. With the writer's sorted keys, two values
    /// are equal exactly when their canonical texts are.
    public var canonicalized: JSONValue {
        switch self {
        case .number(let n): .number(n.canonical)
        case .array(let elements): .array(elements.map(\.canonicalized))
        case .object(let members): .object(members.mapValues(\.canonicalized))
        default: self
        }
    }

    /// The dotted path (`a.0.b`, empty for the value itself) of the first number beyond a
    /// double's range (`1e999`): such a number has no canonical spelling, so the store refuses
    /// it rather than keep something else. Nil when every number fits.
    public var pathOfNumberOutOfRange: String? {
        switch self {
        case .number(let n):
            return n.doubleValue.isInfinite ? "" : nil
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if let path = element.pathOfNumberOutOfRange { return path.isEmpty ? "\(index)" : "\(index).\(path)" }
            }
            return nil
        case .object(let members):
            for key in members.keys.sorted() {
                if let path = members[key]!.pathOfNumberOutOfRange { return path.isEmpty ? key : "\(key).\(path)" }
            }
            return nil
        default:
            return nil
        }
    }

    /// Compact, key-sorted, number-normalized JSON text.
    public var canonicalText: String {
        String(decoding: JSONWriter.encode(canonicalized), as: UTF8.self)
    }
}

extension JSONNumber {
    /// Integers as plain digits (no `-0`), other numbers in Swift's shortest round-trip form.
    public var canonical: JSONNumber {
        if isIntegerLiteral {
            if literal == "-0" { return JSONNumber(0) }
            if let i = Int(literal) { return JSONNumber(i) }
            return self  // beyond 64 bits: keep the digits
        }
        let d = doubleValue
        if d == d.rounded(.towardZero), abs(d) < 9.007199254740992e15 { return JSONNumber(Int(d)) }
        return JSONNumber(d)
    }
}
