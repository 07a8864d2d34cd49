import Foundation
import Logging
import Testing
@testable import RevstoreJSONRPC
@testable import RevstoreJSON

@Suite("Stdio transport")
struct StdioTransportTests {
    /// A transport serving `registry` on a thread of its own, over two pipes.
    final class Served: @unchecked Sendable {
        private let input = Pipe(), output = Pipe()
        var toServer: FileHandle { input.fileHandleForWriting }
        var fromServer: FileHandle { output.fileHandleForReading }
        private let done = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var reason: StdioTransport.StopReason?
        /// The thread that called `run`, which starts as the input thread.
        private(set) var runThread: pthread_t?
        private var buffer: [UInt8] = []

        init(_ registry: MethodRegistry) {
            let transport = StdioTransport(inputFD: input.fileHandleForReading.fileDescriptor,
                                           outputFD: output.fileHandleForWriting.fileDescriptor, logger: Logger(label: "test"))
            let connection = Connection(registry: registry, sink: transport.output, logger: Logger(label: "test"))
            let thread = Thread { [self] in
                lock.withLock { runThread = pthread_self() }
                let stopped = transport.run(connection)
                lock.withLock { reason = stopped }
                done.signal()
            }
            thread.start()
        }

        func send(_ text: String) { toServer.write(Data(text.utf8)) }

        /// The next reply line, parsed.
        func next() throws -> JSONValue {
            while true {
                if let newline = buffer.firstIndex(of: 0x0A) {
                    let line = Array(buffer[..<newline])
                    buffer.removeSubrange(...newline)
                    return try JSONParser.parse(line)
                }
                let chunk = fromServer.availableData
                guard !chunk.isEmpty else { throw CocoaError(.fileReadUnknown) }
                buffer += chunk
            }
        }

        /// Ends input and waits for the loop to stop.
        func finish() -> StdioTransport.StopReason? {
            try? toServer.close()
            _ = done.wait(timeout: .now() + 10)
            return lock.withLock { reason }
        }
    }

    @Test("a read that can start at once runs on the input thread itself: no hand-off")
    func readRunsOnInputThread() throws {
        let ranOn = ThreadRecord()
        var registry = MethodRegistry()
        registry.registerConcurrent("read") { _, _ in
            ranOn.record(pthread_self())
            return "read"
        }
        let served = Served(registry)
        served.send(#"{"jsonrpc":"2.0","id":1,"method":"read"}"# + "\n")
        #expect(try served.next() == ["jsonrpc": "2.0", "id": 1, "result": "read"])
        #expect(served.finish() == .endOfInput)
        let (thread, runThread) = (try #require(ranOn.thread), try #require(served.runThread))
        #expect(pthread_equal(thread, runThread) != 0)
    }

    @Test("a long read hands input on: requests behind it in the same chunk are served, and cancelling it interrupts it")
    func longReadHandsInputOn() throws {
        var registry = MethodRegistry()
        registry.registerConcurrent("slow") { _, context in
            // A long read checks its cancellation, as the store's progress handler does.
            let deadline = Date(timeIntervalSinceNow: 30)
            while !context.cancellation.isCancelled, Date() < deadline { usleep(200) }
            return "finished"
        }
        registry.registerConcurrent("fast") { _, _ in "fast" }
        registry.registerImmediate("cancel") { params, context in
            if let id = params?["id"] { context.connection.cancel(RequestID(id)!) }
            return .null
        }
        let served = Served(registry)
        let started = Date()
        // One write, so all three lines arrive in one chunk behind the slow read.
        served.send("""
            {"jsonrpc":"2.0","id":1,"method":"slow"}
            {"jsonrpc":"2.0","id":2,"method":"fast"}
            {"jsonrpc":"2.0","id":3,"method":"cancel","params":{"id":1}}

            """)
        var replies: [JSONValue] = []
        for _ in 0..<3 { replies.append(try served.next()) }
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(replies.contains(["jsonrpc": "2.0", "id": 2, "result": "fast"]))
        #expect(replies.contains(["jsonrpc": "2.0", "id": 3, "result": nil]))
        let slow = try #require(replies.first { $0["id"] == 1 })
        #expect(slow["error"]?["code"] == -32800)
        #expect(served.finish() == .endOfInput)
    }

    final class ThreadRecord: @unchecked Sendable {
        private let lock = NSLock()
        private var recorded: pthread_t?
        func record(_ thread: pthread_t) { lock.withLock { recorded = thread } }
        var thread: pthread_t? { lock.withLock { recorded } }
    }
}
