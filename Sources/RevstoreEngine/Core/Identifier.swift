#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random (version 4) UUIDs in lowercase text, from the system generator.
///
/// Foundation's `UUID()` on Linux opens and reads `/dev/urandom` for each one, three system
/// calls per id, and a commit makes several ids. `arc4random_buf` (glibc 2.36+, and every BSD)
/// draws from a buffered ChaCha20 generator that rarely enters the kernel.
public enum Identifier {
    private static let hex = Array("0123456789abcdef".utf8)

    public static func make() -> String {
        var random: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &random) { arc4random_buf($0.baseAddress!, $0.count) }
        let high = (random.0 & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000  // version 4
        let low = (random.1 & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // RFC 4122 variant
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
