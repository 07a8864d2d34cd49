import GRDB
import RevstoreJSON

extension JSONValue {
    /// The SQLite value `json_extract` yields for this JSON value: text, an integer or a real,
    /// 1 or 0 for booleans, and canonical JSON text for arrays and objects.
    var databaseValue: (any DatabaseValueConvertible)? {
        switch self {
        case .null: nil
        case .string(let s): s
        case .bool(let b): b ? 1 : 0
        case .number(let n): Int64(n.literal) ?? n.doubleValue
        case .array, .object: canonicalText
        }
    }
}
