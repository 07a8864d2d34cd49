#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a byte stream into newline-delimited messages.
///
/// A pure state machine: feed it chunks exactly as `read(2)` returns them, of any size, and it
/// emits complete lines. It splits on byte 0x0A only (never on U+2028, U+2029 or a lone CR),
/// strips one trailing CR, skips blank lines, and never decodes text, so a multi-byte UTF-8
/// character split across chunks is reassembled intact. A line longer than the limit is
/// reported once, as soon as it crosses the limit, and the rest of it is skipped.
public struct LineFramer {
    public enum Frame {
        /// One complete line without its terminator; valid only during the callback.
        case line(UnsafeBufferPointer<UInt8>)
        /// A line exceeded the limit; its bytes are being discarded up to the next newline.
        case tooLarge
    }

    public let maximumLineBytes: Int
    private var pending: [UInt8] = []
    private var discarding = false

    public init(maximumLineBytes: Int) {
        precondition(maximumLineBytes > 0)
        self.maximumLineBytes = maximumLineBytes
    }

    public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, _ emit: (Frame) -> Void) {
        var start = 0
        let count = chunk.count
        while start < count {
            guard let newline = Self.firstNewline(in: chunk, from: start) else {
                append(UnsafeBufferPointer(rebasing: chunk[start..<count]), emit)
                return
            }
            if discarding {
                discarding = false
            } else if pending.isEmpty {
                guard newline - start <= maximumLineBytes else { emit(.tooLarge); start = newline + 1; continue }
                Self.emitLine(UnsafeBufferPointer(rebasing: chunk[start..<newline]), emit)
            } else {
                append(UnsafeBufferPointer(rebasing: chunk[start..<newline]), emit)
                if !discarding {
                    pending.withUnsafeBufferPointer { Self.emitLine($0, emit) }
                }
                pending.removeAll(keepingCapacity: pending.count <= 1 << 16)
                discarding = false
            }
            start = newline + 1
        }
    }

    public mutating func feed(_ chunk: [UInt8], _ emit: (Frame) -> Void) {
        chunk.withUnsafeBufferPointer { feed($0, emit) }
    }

    /// End of input: a final line without a newline is still delivered.
    public mutating func finish(_ emit: (Frame) -> Void) {
        if !discarding, !pending.isEmpty {
            pending.withUnsafeBufferPointer { Self.emitLine($0, emit) }
        }
        pending = []
        discarding = false
    }

    private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>, _ emit: (Frame) -> Void) {
        guard !discarding else { return }
        if pending.count + bytes.count > maximumLineBytes {
            pending = []
            discarding = true
            emit(.tooLarge)
            return
        }
        pending.append(contentsOf: bytes)
    }

    private static func emitLine(_ line: UnsafeBufferPointer<UInt8>, _ emit: (Frame) -> Void) {
        var end = line.count
        if end > 0, line[end - 1] == 0x0D { end -= 1 }
        var blank = true
        for i in 0..<end where line[i] != 0x20 && line[i] != 0x09 { blank = false; break }
        guard !blank else { return }
        emit(.line(UnsafeBufferPointer(rebasing: line[0..<end])))
    }

    private static func firstNewline(in chunk: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = chunk.baseAddress else { return nil }
        guard let hit = memchr(base + start, 0x0A, chunk.count - start) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }
}
