#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a byte stream into newline-delimited messages.
///
/// A pure state machine, pulled one frame at a time: append chunks exactly as `read(2)` returns
/// them, of any size, and take complete lines with `next`. Being pulled, not pushed, lets a
/// caller stop after any frame and let another thread go on from there. It splits on byte 0x0A
/// only (never on U+2028, U+2029 or a lone CR), strips one trailing CR, skips blank lines, and
/// never decodes text, so a multi-byte UTF-8 character split across chunks is reassembled
/// intact. A line longer than the limit is reported once, as soon as it crosses the limit, and
/// the rest of it is skipped.
public struct LineFramer {
    public enum Frame {
        /// One complete line without its terminator; valid only inside `next`'s closure.
        case line(UnsafeBufferPointer<UInt8>)
        /// A line exceeded the limit; its bytes are being discarded up to the next newline.
        case tooLarge
    }

    public let maximumLineBytes: Int
    /// Input not yet framed starts at `start`; no newline lies between `start` and `scanned`.
    private var buffer: [UInt8] = []
    private var start = 0
    private var scanned = 0
    /// Inside a line that was reported too large, up to its newline.
    private var discarding = false
    private var ended = false

    public init(maximumLineBytes: Int) {
        precondition(maximumLineBytes > 0)
        self.maximumLineBytes = maximumLineBytes
    }

    /// True when every appended byte has been framed.
    public var isEmpty: Bool { start == buffer.count }

    public mutating func append(_ chunk: UnsafeBufferPointer<UInt8>) {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
            (start, scanned) = (0, 0)
        } else if start >= 1 << 16 {
            buffer.removeSubrange(0..<start)
            (start, scanned) = (0, scanned - start)
        }
        buffer.append(contentsOf: chunk)
    }

    public mutating func append(_ chunk: [UInt8]) {
        chunk.withUnsafeBufferPointer { append($0) }
    }

    /// End of input: `next` then also yields a last line that has no newline.
    public mutating func finish() { ended = true }

    /// Hands the next complete frame to `body` and returns what it returns; nil when no frame
    /// is complete yet.
    public mutating func next<Result>(_ body: (Frame) throws -> Result) rethrows -> Result? {
        while true {
            let newline = buffer.withUnsafeBufferPointer { bytes -> Int? in
                guard scanned < bytes.count, let hit = memchr(bytes.baseAddress! + scanned, 0x0A, bytes.count - scanned) else { return nil }
                return bytes.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            guard let newline else {
                scanned = buffer.count
                if discarding {
                    start = buffer.count
                    return nil
                }
                if buffer.count - start > maximumLineBytes {
                    discarding = true
                    start = buffer.count
                    return try body(.tooLarge)
                }
                guard ended, start < buffer.count else { return nil }
                let lineStart = start
                start = buffer.count
                if let result = try emit(lineStart..<buffer.count, body) { return result }
                continue
            }
            let lineStart = start
            (start, scanned) = (newline + 1, newline + 1)
            if discarding {
                discarding = false
                continue
            }
            if newline - lineStart > maximumLineBytes { return try body(.tooLarge) }
            if let result = try emit(lineStart..<newline, body) { return result }
        }
    }

    /// Hands `range` to `body` without one trailing CR; nil for a blank line, which is skipped.
    private func emit<Result>(_ range: Range<Int>, _ body: (Frame) throws -> Result) rethrows -> Result? {
        try buffer.withUnsafeBufferPointer { bytes in
            var end = range.upperBound
            if end > range.lowerBound, bytes[end - 1] == 0x0D { end -= 1 }
            guard bytes[range.lowerBound..<end].contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return nil }
            return try body(.line(UnsafeBufferPointer(rebasing: bytes[range.lowerBound..<end])))
        }
    }
}
