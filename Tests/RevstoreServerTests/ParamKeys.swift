/// The top-level members a `Decodable` type reads, found by decoding it from nothing while
/// noting every key it asks for: an optional member reads as absent, a required one as an empty
/// value (`""`, `0`, `false`, `[]`, `{}`).
enum ParamKeys {
    static func of(_ type: any Decodable.Type) -> Set<String> {
        let recorder = Recorder()
        _ = try? type.init(from: EmptyDecoder(recorder: recorder))
        return recorder.keys
    }

    final class Recorder {
        var keys: Set<String> = []
    }

    /// Decodes anything as empty; `recorder`, when set, notes the keys asked of its object.
    struct EmptyDecoder: Decoder {
        var recorder: Recorder?
        var codingPath: [any CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedDecodingContainer<Key> {
            KeyedDecodingContainer(Keyed<Key>(recorder: recorder))
        }
        func unkeyedContainer() -> any UnkeyedDecodingContainer { Unkeyed() }
        func singleValueContainer() -> any SingleValueDecodingContainer { Single() }
    }

    static func empty<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is String.Type: return "" as! T
        case is Bool.Type: return false as! T
        case is Int.Type: return 0 as! T
        case is Int64.Type: return Int64(0) as! T
        case is Double.Type: return 0.0 as! T
        default: return try T(from: EmptyDecoder())
        }
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        var recorder: Recorder?
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { [] }

        func contains(_ key: Key) -> Bool {
            recorder?.keys.insert(key.stringValue)
            return false
        }
        func decodeNil(forKey key: Key) -> Bool {
            recorder?.keys.insert(key.stringValue)
            return true
        }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            recorder?.keys.insert(key.stringValue)
            return try ParamKeys.empty(type)
        }
        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) -> KeyedDecodingContainer<NestedKey> {
            recorder?.keys.insert(key.stringValue)
            return KeyedDecodingContainer(Keyed<NestedKey>())
        }
        func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedDecodingContainer {
            recorder?.keys.insert(key.stringValue)
            return Unkeyed()
        }
        func superDecoder() -> any Decoder { EmptyDecoder() }
        func superDecoder(forKey key: Key) -> any Decoder {
            recorder?.keys.insert(key.stringValue)
            return EmptyDecoder()
        }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        var codingPath: [any CodingKey] { [] }
        var count: Int? { 0 }
        var isAtEnd: Bool { true }
        var currentIndex: Int { 0 }

        mutating func decodeNil() -> Bool { true }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try ParamKeys.empty(type) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) -> KeyedDecodingContainer<NestedKey> {
            KeyedDecodingContainer(Keyed<NestedKey>())
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedDecodingContainer { Unkeyed() }
        mutating func superDecoder() -> any Decoder { EmptyDecoder() }
    }

    struct Single: SingleValueDecodingContainer {
        var codingPath: [any CodingKey] { [] }

        func decodeNil() -> Bool { false }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try ParamKeys.empty(type) }
    }
}
