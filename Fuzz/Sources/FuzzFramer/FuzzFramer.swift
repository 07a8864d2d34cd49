import FuzzSupport
import RevstoreJSONRPC

/// Any bytes, read in chunks of any sizes: the framer hands over the same frames as splitting
/// the whole input at each newline would. The first two bytes choose the line limit and how the
/// rest is cut into reads.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFramer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let limit = Int(data[0]) % 64 + 1
    var seed = UInt64(data[1]) &+ 1
    let input = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))

    var framer = LineFramer(maximumLineBytes: limit)
    var frames: [Frame] = []
    var offset = 0
    while offset < input.count {
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        let length = min(Int(seed >> 59) + 1, input.count - offset)  // 1 to 32 bytes per read
        framer.append(Array(input[offset..<offset + length]))
        offset += length
        while let frame = framer.next(Frame.init) { frames.append(frame) }
    }
    framer.finish()
    while let frame = framer.next(Frame.init) { frames.append(frame) }
    check(framer.isEmpty, "input left unframed after the end")
    check(frames == expectedFrames(input, limit: limit), "frames depend on how the input was read")
    return 0
}

enum Frame: Equatable {
    case line([UInt8])
    case tooLarge

    init(_ frame: LineFramer.Frame) {
        switch frame {
        case .line(let bytes): self = .line(Array(bytes))
        case .tooLarge: self = .tooLarge
        }
    }
}

/// The framing rules on the whole input at once: split at 0x0A (the last line may lack it); a
/// line longer than `limit` with its CR is too large; else one trailing CR goes, and a line of
/// only spaces and tabs is skipped.
func expectedFrames(_ input: [UInt8], limit: Int) -> [Frame] {
    var lines = input.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
    if lines.last?.isEmpty == true { lines.removeLast() }
    return lines.compactMap { line -> Frame? in
        if line.count > limit { return .tooLarge }
        let content = line.last == 0x0D ? Array(line.dropLast()) : line
        return content.contains { $0 != 0x20 && $0 != 0x09 } ? .line(content) : nil
    }
}
