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
    static func decodeBase64(_ text: String) -> Data? {
        guard let data = Data(base64Encoded: text), data.base64EncodedString() == text else { return nil }
        return data
    }
}
