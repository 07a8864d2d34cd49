/// A JSON number kept as its literal text.
///
/// Keeping the literal lets ids and values round-trip byte for byte (large integers, `1.0`,
/// `-0`), while equality and hashing follow the numeric value, so `1` equals `1.0`.
public struct JSONNumber: Sendable {
    /// The number exactly as written in JSON (always a valid JSON number literal).
    public let literal: String

    /// Wraps a literal already known to match the JSON number grammar.
    init(validLiteral: String) { self.literal = validLiteral }

    public init(_ value: Int) { self.literal = String(value) }

    public init(_ value: Int64) { self.literal = String(value) }

    /// A finite double; non-finite values (which JSON cannot carry) become `null`-like `0`.
    public init(_ value: Double) {
        guard value.isFinite else { self.literal = "0"; return }
        if value == value.rounded(.towardZero), abs(value) < 1e15 {
            self.literal = String(Int64(value))
        } else {
            self.literal = "\(value)"
        }
    }

    /// The value as an integer, when it is one exactly (`3`, `3.0`, `3e0`) and fits in `Int`.
    public var intValue: Int? {
        if let i = Int(literal) { return i }
        guard let d = Double(literal), d == d.rounded(.towardZero), abs(d) < 9.2e18 else { return nil }
        return Int(d)
    }

    public var doubleValue: Double { Double(literal) ?? .nan }

    /// True when the literal has no fraction or exponent part.
    public var isIntegerLiteral: Bool { !literal.utf8.contains { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") } }
}

extension JSONNumber: Hashable {
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if lhs.literal == rhs.literal { return true }
        if let l = Int(lhs.literal), let r = Int(rhs.literal) { return l == r }
        return lhs.doubleValue == rhs.doubleValue
    }

    public func hash(into hasher: inout Hasher) {
        if let i = intValue { hasher.combine(i) } else { hasher.combine(doubleValue) }
    }
}

extension JSONNumber: Comparable {
    public static func < (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if let l = Int(lhs.literal), let r = Int(rhs.literal) { return l < r }
        return lhs.doubleValue < rhs.doubleValue
    }
}
