import RevstoreJSON

/// A request id, echoed back exactly as it arrived.
///
/// Numbers keep their literal text, so `12345678901234567890` and `-1` come back unchanged.
/// `.null` is the explicit `"id": null`, which JSON-RPC treats as a request (answered), unlike
/// a missing id, which makes a notification.
public enum RequestID: Sendable, Hashable {
    case string(String)
    case number(JSONNumber)
    case null

    /// The id in `value`, or nil when `value` cannot be an id (an object, array or boolean).
    public init?(_ value: JSONValue) {
        switch value {
        case .string(let s): self = .string(s)
        case .number(let n): self = .number(n)
        case .null: self = .null
        default: return nil
        }
    }

    public var jsonValue: JSONValue {
        switch self {
        case .string(let s): .string(s)
        case .number(let n): .number(n)
        case .null: .null
        }
    }
}

extension RequestID: CustomStringConvertible {
    public var description: String { jsonValue.description }
}
