#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A string that compares, hashes and orders by its code points, as JSON and SQLite do.
///
/// Swift's `String` equality is canonical equivalence: `"\u{E9}"` and `"e\u{301}"` are equal to
/// it, though they are two different JSON strings, two different keys and two different ids.
/// Keys, ids and values that must stay apart go through this type wherever they are compared.
/// Order is by UTF-8 bytes, which is code point order.
public struct CodePointString: Sendable, Hashable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var string: String

    public init(_ string: String) { self.string = string }
    public init(stringLiteral value: String) { string = value }

    public var description: String { string }

    public static func == (a: Self, b: Self) -> Bool {
        let x = a.string.utf8, y = b.string.utf8
        guard x.count == y.count else { return false }
        // `memcmp`, not `elementsEqual`, which compares byte by byte: ids and values run long.
        let fast = x.withContiguousStorageIfAvailable { x in
            y.withContiguousStorageIfAvailable { y in x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
        }
        return fast.flatMap { $0 } ?? x.elementsEqual(y)
    }

    public static func < (a: Self, b: Self) -> Bool {
        let x = a.string.utf8, y = b.string.utf8
        let fast = x.withContiguousStorageIfAvailable { x in
            y.withContiguousStorageIfAvailable { y in
                let common = min(x.count, y.count)
                let order = common == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, common)
                return order != 0 ? order < 0 : x.count < y.count
            }
        }
        return fast.flatMap { $0 } ?? x.lexicographicallyPrecedes(y)
    }

    public func hash(into hasher: inout Hasher) {
        let bytes = string.utf8
        hasher.combine(bytes.count)
        if bytes.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
            for byte in bytes { hasher.combine(byte) }
        }
    }
}
