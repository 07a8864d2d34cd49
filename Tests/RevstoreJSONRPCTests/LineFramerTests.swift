import Testing
@testable import RevstoreJSONRPC
@testable import RevstoreJSON

@Suite("Line framing")
struct LineFramerTests {
    enum Out: Equatable {
        case line([UInt8])
        case tooLarge
    }

    /// Feeds `input` in chunks of `size` bytes, then ends the stream.
    func frames(_ input: [UInt8], chunkSize size: Int, limit: Int = 1 << 20) -> [Out] {
        var framer = LineFramer(maximumLineBytes: limit)
        var out: [Out] = []
        let collect: (LineFramer.Frame) -> Void = { frame in
            switch frame {
            case .line(let bytes): out.append(.line(Array(bytes)))
            case .tooLarge: out.append(.tooLarge)
            }
        }
        var start = 0
        while start < input.count {
            let end = min(start + size, input.count)
            framer.append(Array(input[start..<end]))
            while framer.next(collect) != nil {}
            start = end
        }
        framer.finish()
        while framer.next(collect) != nil {}
        #expect(framer.isEmpty)
        return out
    }

    let corpus: [UInt8] = Array(
        "{\"a\":1}\n{\"b\":\"crlf\"}\r\n\n   \n\r\n{\"c\":\"sep\u{2028}and\u{2029}para\"}\n{\"d\":\"é✓😀\"}\n{\"e\":\"tail\"}".utf8)

    var expected: [Out] {
        [
            .line(Array("{\"a\":1}".utf8)),
            .line(Array("{\"b\":\"crlf\"}".utf8)),
            .line(Array("{\"c\":\"sep\u{2028}and\u{2029}para\"}".utf8)),
            .line(Array("{\"d\":\"é✓😀\"}".utf8)),
            .line(Array("{\"e\":\"tail\"}".utf8)),
        ]
    }

    @Test("every chunk size yields the same lines: CRLF stripped, blanks skipped, U+2028 kept, UTF-8 intact")
    func everyChunkSize() {
        for size in 1...corpus.count {
            #expect(frames(corpus, chunkSize: size) == expected, "chunk size \(size)")
        }
    }

    @Test("many messages in one chunk")
    func manyInOneChunk() {
        let input = Array(String(repeating: "{\"x\":1}\n", count: 1000).utf8)
        let out = frames(input, chunkSize: input.count)
        #expect(out.count == 1000)
        #expect(out.allSatisfy { $0 == .line(Array("{\"x\":1}".utf8)) })
    }

    @Test("a line over the limit is reported once, discarded, and the next line is served", arguments: [1, 3, 7, 64, 4096])
    func overLimit(chunkSize: Int) {
        let long = String(repeating: "x", count: 100)
        let input = Array("{\"ok\":1}\n\(long)\n{\"ok\":2}\n".utf8)
        let out = frames(input, chunkSize: chunkSize, limit: 50)
        #expect(out == [.line(Array("{\"ok\":1}".utf8)), .tooLarge, .line(Array("{\"ok\":2}".utf8))])
    }

    @Test("a line exactly at the limit is delivered")
    func atLimit() {
        let line = String(repeating: "y", count: 50)
        #expect(frames(Array("\(line)\n".utf8), chunkSize: 7, limit: 50) == [.line(Array(line.utf8))])
        #expect(frames(Array("\(line)\r\n".utf8), chunkSize: 50, limit: 51) == [.line(Array(line.utf8))])
    }

    @Test("end of input mid-line delivers the partial line; an oversized tail is not delivered")
    func endMidLine() {
        #expect(frames(Array("{\"a\":1}\n{\"b\"".utf8), chunkSize: 3) == [.line(Array("{\"a\":1}".utf8)), .line(Array("{\"b\"".utf8))])
        #expect(frames(Array(String(repeating: "z", count: 80).utf8), chunkSize: 9, limit: 50) == [.tooLarge])
    }

    @Test("a lone CR inside a line is content, only one trailing CR is stripped")
    func carriageReturns() {
        #expect(frames(Array("a\rb\r\r\n".utf8), chunkSize: 1) == [.line(Array("a\rb\r".utf8))])
    }
}
