#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Time-ordered (version 7) UUIDs in lowercase text: 48 bits of Unix milliseconds, then 74 bits
/// that start random each millisecond and count up within it, so ids made by one process are
/// strictly increasing.
///
/// Version ids and lineage ids are indexed. Random ids would land anywhere in those indexes, and
/// each commit would rewrite a random page of each; increasing ids all go to the index's last
/// page, which stays full and is written once per commit. The random bits come from a generator
/// seeded once from the system: glibc's `arc4random` is a system call per use, and these ids
/// need to be unique, not secret.
public enum Identifier {
    private static let hex = Array("0123456789abcdef".utf8)
    private static let lock = NSLock()
    nonisolated(unsafe) private static var generator = SplitMix64.seededFromSystem()
    /// The last id's millisecond and its 74 counting bits: 12 above the version nibble (`a`),
    /// 62 after the variant (`b`).
    nonisolated(unsafe) private static var last: (milliseconds: UInt64, a: UInt64, b: UInt64) = (0, 0, 0)
    private static let bMask: UInt64 = 0x3FFF_FFFF_FFFF_FFFF

    public static func make() -> String {
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let (milliseconds, a, b) = lock.withLock {
            if now > last.milliseconds {
                // The top bit of `a` starts clear, so counting up within a millisecond cannot overflow.
                last = (now, generator.next() & 0x7FF, generator.next() & bMask)
            } else if last.b == bMask {
                last.a += 1
                last.b = 0
            } else {
                last.b += 1
            }
            return last
        }
        let high = milliseconds << 16 | 0x7000 | a
        let low = 0x8000_0000_0000_0000 | b
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            for digit in 0..<32 {
                if digit == 8 || digit == 12 || digit == 16 || digit == 20 {
                    buffer[position] = UInt8(ascii: "-")
                    position += 1
                }
                let word = digit < 16 ? high : low
                let shift = UInt64(60 - (digit % 16) * 4)
                buffer[position] = hex[Int((word >> shift) & 0xF)]
                position += 1
            }
            return position
        }
    }
}

/// Steele, Lea and Flood's SplitMix64: small and fast, and the same sequence for the same seed
/// (tests use that to repeat a random run exactly).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    static func seededFromSystem() -> SplitMix64 {
        var seed: UInt64 = 0
        withUnsafeMutableBytes(of: &seed) { arc4random_buf($0.baseAddress!, $0.count) }
        return SplitMix64(seed: seed)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
