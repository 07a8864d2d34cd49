import Foundation

/// Bytes in JSON: an object whose only member is `"$bytes"`, holding the bytes in standard,
/// padded base64 (RFC 4648 §4). Anything else with a `$bytes` member is an ordinary object.
/// The spelling is exact — one base64 text for each byte string — so equal bytes are equal
/// values, and canonical text stays canonical.
extension JSONValue {
    public static let bytesKey = "$bytes"

    public static func bytes(_ bytes: some Sequence<UInt8>) -> JSONValue {
        .object([bytesKey: .string(Data(bytes).base64EncodedString())])
    }

    /// The member of a bytes value, whatever it holds; nil for anything else.
    public var bytesMember: JSONValue? {
        guard case .object(let members) = self, members.count == 1 else { return nil }
        return members[Self.bytesKey]
    }

    /// The bytes of a well-formed bytes value.
    public var bytesValue: Data? {
        guard case .string(let text)? = bytesMember else { return nil }
        return Self.decodeBase64(text)
    }

    /// Whether a bytes value (well-formed or not) is anywhere in the value; found without
    /// copying or decoding any of it.
    public var containsBytes: Bool {
        switch self {
        case .array(let elements): return elements.contains { $0.containsBytes }
        case .object(let members): return bytesMember?.stringValue != nil || members.values.contains { $0.containsBytes }
        default: return false
        }
    }

    /// `text` decoded, if it is standard padded base64 spelled the one way its bytes encode to.
    /// The decoder takes any padded base64 text, so what is left to check is its length and that
    /// the bits the last character holds past the bytes are zero: cheaper than encoding again.
    static func decodeBase64(_ text: String) -> Data? {
        guard let data = Data(base64Encoded: text) else { return nil }
        let utf8 = text.utf8
        guard utf8.count == (data.count + 2) / 3 * 4 else { return nil }
        let padding = (3 - data.count % 3) % 3
        guard padding > 0 else { return data }
        // Before one `=`, 2 bits are left over; before two, 4.
        let last = utf8[utf8.index(utf8.endIndex, offsetBy: -(padding + 1))]
        guard let sextet = base64Sextet(last), sextet & (padding == 1 ? 0b11 : 0b1111) == 0 else { return nil }
        return data
    }

    private static func base64Sextet(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
