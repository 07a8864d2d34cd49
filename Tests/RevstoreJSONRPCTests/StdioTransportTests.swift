import Foundation
import Logging
import Testing
@testable import RevstoreJSONRPC
@testable import RevstoreJSON

@Suite("stdio transport")
struct StdioTransportTests {
    struct Write: RPCMethod {
        static let method = "write"
        typealias Response = EmptyObject
        var n: Int
    }

    struct Read: RPCMethod {
        static let method = "read"
        typealias Response = EmptyObject
        var n: Int
    }

    @Test("a write running on the input thread takes in the groupable requests that arrived meanwhile; the first other message and all after it keep their places")
    func arrivedWritesJoin() throws {
        let (input, host) = try pipePair()
        let (replies, output) = try pipePair()
        let log = Log()
        var registry = MethodRegistry()
        registry.ordered(Write.self, groupable: true) { request, context in
            log.add("write \(request.n)")
            if request.n == 1, let takeArrived = context.takeArrivedRequests {
                // What the host sends while this write runs.
                write(host, [line("write", 2), line("write", 3), line("read", 4), line("write", 5)].joined())
                takeArrived()
                log.add("took arrived")
            }
            return .value(EmptyObject())
        }
        serve(registry, log: log, input: input, output: output)

        write(host, line("write", 1))
        let answered = readLines(replies, count: 5)
        close(host)
        #expect(log.all == ["write 1", "write 2", "write 3", "took arrived", "read 4", "write 5"])
        #expect(Set(answered.compactMap { $0["id"]?.intValue }) == [1, 2, 3, 4, 5])
        #expect(answered.allSatisfy { $0["result"] == .object([:]) })
        close(replies)
    }

    @Test("a batch's groupable requests right behind a groupable one join its work when it runs on the input thread; the rest of the batch, and a batch whose first takes none, go one by one")
    func batchedWritesJoin() throws {
        let (input, host) = try pipePair()
        let (replies, output) = try pipePair()
        let log = Log()
        var registry = MethodRegistry()
        registry.ordered(Write.self, groupable: true) { request, context in
            log.add("write \(request.n)" + (context.inputWaiting ? "" : " inline"))
            // Write 6 stands for one that joins nothing: it ran on another thread, or failed.
            if request.n != 6, let takeArrived = context.takeArrivedRequests {
                takeArrived()
                takeArrived()  // an inline drain calls it before each group it commits
                log.add("took arrived")
            }
            return .value(EmptyObject())
        }
        serve(registry, log: log, input: input, output: output)

        write(host, batch([("write", 1), ("write", 2), ("write", 3), ("read", 4), ("write", 5)]))
        let first = readLines(replies, count: 1)
        write(host, batch([("write", 6), ("write", 7)]))
        let second = readLines(replies, count: 1)
        close(host)
        #expect(log.all == ["write 1 inline", "write 2", "write 3", "took arrived", "read 4", "write 5", "write 6 inline", "write 7"])
        #expect(first.first?.arrayValue?.compactMap { $0["id"]?.intValue }.sorted() == [1, 2, 3, 4, 5])
        #expect(second.first?.arrayValue?.compactMap { $0["id"]?.intValue }.sorted() == [6, 7])
        close(replies)
    }

    /// Serves `registry`, and `read` requests that log themselves, on a thread of its own.
    private func serve(_ registry: MethodRegistry, log: Log, input: Int32, output: Int32) {
        var registry = registry
        registry.concurrent(Read.self) { request, _ in
            log.add("read \(request.n)")
            return EmptyObject()
        }
        let transport = StdioTransport(inputFD: input, outputFD: output, logger: Logger(label: "test"))
        let connection = Connection(registry: registry, sink: transport.output, logger: Logger(label: "test"))
        Thread { _ = transport.run(connection) }.start()
    }

    private func batch(_ requests: [(String, Int)]) -> String {
        "[" + requests.map { line($0.0, $0.1).dropLast() }.joined(separator: ",") + "]\n"
    }

    private func line(_ method: String, _ n: Int) -> String {
        #"{"jsonrpc":"2.0","id":\#(n),"method":"\#(method)","params":{"n":\#(n)}}"# + "\n"
    }

    private func write(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) } == bytes.count)
    }

    /// Reads until `count` lines have come, each parsed.
    private func readLines(_ fd: Int32, count: Int) -> [JSONValue] {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while buffer.filter({ $0 == 0x0A }).count < count {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            buffer += chunk[0..<n]
        }
        return buffer.split(separator: 0x0A).compactMap { try? JSONParser.parse(Array($0)) }
    }
}
