import RevstoreJSON
import Foundation
import RevstoreJSONRPC
import Testing

/// protocol/README.md §1 and §2, over real pipes to the built binary.
@Suite("stdio transport, end to end", .serialized)
struct TransportTests {
    let ping = #"{"jsonrpc":"2.0","id":1,"method":"ping"}"#

    @Test("a message written one byte at a time")
    func oneByteWrites() throws {
        let server = try ServerProcess()
        for byte in Array((ping + "\n").utf8) {
            try server.sendBytes([byte])
            usleep(200)
        }
        #expect(try server.next() == ["jsonrpc": "2.0", "id": 1, "result": [:]])
    }

    @Test("many messages in one write, CRLF endings and blank lines")
    func manyInOneWrite() throws {
        let server = try ServerProcess()
        var text = "\n\r\n  \n"
        for id in 0..<500 { text += #"{"jsonrpc":"2.0","id":\#(id),"method":"ping"}"# + (id % 2 == 0 ? "\r\n" : "\n\n") }
        try server.send(text)
        let ids = try (0..<500).map { _ in try server.next()["id"]?.intValue }
        #expect(Set(ids.compactMap { $0 }) == Set(0..<500))
    }

    @Test("U+2028 and U+2029 raw inside a string are content, and come back intact")
    func lineSeparatorsInStrings() throws {
        let server = try ServerProcess()
        let id = "a\u{2028}b\u{2029}c"
        try server.send(#"{"jsonrpc":"2.0","id":"\#(id)","method":"ping"}"# + "\n")
        let line = try #require(try server.nextLine())
        #expect(!line.contains(0x0A))
        #expect(try JSONParser.parse(line)["id"] == .string(id))
    }

    @Test("invalid UTF-8 and invalid JSON get -32700 with id null, and the server keeps serving")
    func parseErrors() throws {
        let server = try ServerProcess()
        try server.sendBytes(Array(#"{"jsonrpc":"2.0","id":"\#u{FF}","method":"ping"}"#.utf8).map { $0 == 0xC3 ? 0xFF : $0 } + [0x0A])
        try server.sendBytes([0x7B, 0xFE, 0xFF, 0x7D, 0x0A])
        try server.send("{not json\n")
        for _ in 0..<3 {
            let reply = try server.next()
            #expect(reply["error"]?["code"] == -32700)
            #expect(reply["id"] == .null)
        }
        #expect(try server.call(2, "ping")["result"] == [:])
    }

    @Test("10,000-deep nesting is a parse error, not a crash")
    func deepNesting() throws {
        let server = try ServerProcess()
        try server.send(String(repeating: "[", count: 10_000) + "\n")
        try server.send(#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"# + String(repeating: "{\"a\":", count: 10_000) + "\n")
        #expect(try server.next()["error"]?["code"] == -32700)
        #expect(try server.next()["error"]?["code"] == -32700)
        #expect(try server.call(2, "ping")["result"] == [:])
    }

    @Test("a 10 MB message is read whole")
    func tenMegabytes() throws {
        let server = try ServerProcess()
        let pad = String(repeating: "x", count: 10 << 20)
        try server.send(#"{"jsonrpc":"2.0","id":"big","method":"ping","params":{"pad":"\#(pad)"}}"# + "\n")
        #expect(try server.next(timeout: 30) == ["jsonrpc": "2.0", "id": "big", "result": [:]])
    }

    @Test("a line over --max-message-bytes is discarded and answered TOO_LARGE; the next line is served")
    func overLimit() throws {
        let server = try ServerProcess(["--memory", "--max-message-bytes", "4096"])
        try server.send(#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":""# + String(repeating: "y", count: 100_000) + "\"}}\n")
        try server.send(#"{"jsonrpc":"2.0","id":2,"method":"ping"}"# + "\n")
        let tooLarge = try server.next()
        #expect(tooLarge["error"]?["code"] == -32600)
        #expect(tooLarge["error"]?["data"]?["reason"] == "TOO_LARGE")
        #expect(tooLarge["id"] == .null)
        #expect(try server.next() == ["jsonrpc": "2.0", "id": 2, "result": [:]])
    }

    @Test("ids are echoed exactly; null id is answered, a missing id is not")
    func ids() throws {
        let server = try ServerProcess()
        for id in [#""s""#, "7", "-3", "18446744073709551617", "null"] {
            try server.send(#"{"jsonrpc":"2.0","id":\#(id),"method":"ping"}"# + "\n")
            let line = try #require(try server.nextLine())
            #expect(String(decoding: line, as: UTF8.self) == #"{"jsonrpc":"2.0","id":\#(id),"result":{}}"#)
        }
        try server.send(#"{"jsonrpc":"2.0","method":"ping"}"# + "\n")
        try server.send(#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"nothing"}}"# + "\n")
        #expect(try server.call(99, "ping")["id"] == 99)
    }

    @Test("stdin closed mid-line: the partial line is handled, then a clean exit 0")
    func closedMidLine() throws {
        let server = try ServerProcess()
        try server.send(#"{"jsonrpc":"2.0","id":5,"method":"ping"}"#)
        try server.closeInput()
        #expect(try server.next()["id"] == 5)
        #expect(server.waitForExit(timeout: 2) == 0)

        let garbled = try ServerProcess()
        try garbled.send(#"{"jsonrpc":"2.0","id":6,"met"#)
        try garbled.closeInput()
        #expect(try garbled.next()["error"]?["code"] == -32700)
        #expect(garbled.waitForExit(timeout: 2) == 0)
    }

    @Test("only protocol messages reach stdout, even at trace logging; logs go to stderr")
    func stdoutIsClean() throws {
        let server = try ServerProcess(["--memory", "--log-level", "trace"])
        try server.send(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientInfo":{"name":"test"}}}"# + "\n")
        try server.send("garbage\n")
        try server.send(#"{"jsonrpc":"2.0","id":2,"method":"nope"}"# + "\n")
        try server.closeInput()
        var lines = 0
        while let line = try server.nextLine() {
            let message = try JSONParser.parse(line)
            #expect(message["jsonrpc"] == "2.0")
            lines += 1
        }
        #expect(lines == 3)
        #expect(server.waitForExit() == 0)
        #expect(server.stderr.contains("client connected"))
    }

    @Test("large replies produced at once never interleave")
    func noInterleaving() throws {
        let server = try ServerProcess()
        let count = 40
        var text = ""
        for n in 0..<count {
            let id = String(repeating: Character(UnicodeScalar(UInt8(65 + n % 26))), count: 300_000) + "\(n)"
            text += #"{"jsonrpc":"2.0","id":"\#(id)","method":"ping"}"# + "\n"
        }
        let payload = text
        let writer = Thread { try? server.send(payload) }
        writer.start()
        var seen = Set<Int>()
        for _ in 0..<count {
            let line = try #require(try server.nextLine(timeout: 30))
            let id = try #require(try JSONParser.parse(line)["id"]?.stringValue)
            let n = try #require(Int(id.drop { $0.isLetter }))
            #expect(id == String(repeating: Character(UnicodeScalar(UInt8(65 + n % 26))), count: 300_000) + "\(n)")
            seen.insert(n)
        }
        #expect(seen.count == count)
    }

    @Test("10,000 pipelined pings get 10,000 answers")
    func pipelinedPings() throws {
        let server = try ServerProcess()
        let text = (0..<10_000).map { #"{"jsonrpc":"2.0","id":\#($0),"method":"ping"}"# }.joined(separator: "\n") + "\n"
        let writer = Thread { try? server.send(text) }
        writer.start()
        var ids = Set<Int>()
        for _ in 0..<10_000 { if let id = try server.next()["id"]?.intValue { ids.insert(id) } }
        #expect(ids.count == 10_000)
    }

    @Test("stdin EOF: exit 0 within 2 s")
    func eofExit() throws {
        let server = try ServerProcess()
        #expect(try server.call(1, "ping")["result"] == [:])
        let start = Date()
        try server.closeInput()
        #expect(server.waitForExit(timeout: 2) == 0)
        #expect(Date().timeIntervalSince(start) < 2)
    }

    @Test("SIGTERM: exit 0 within 2 s")
    func sigterm() throws {
        let server = try ServerProcess()
        #expect(try server.call(1, "ping")["result"] == [:])
        let start = Date()
        kill(server.pid, SIGTERM)
        #expect(server.waitForExit(timeout: 2) == 0)
        #expect(Date().timeIntervalSince(start) < 2)
    }

    /// How a host can stop a server: close stdin, send SIGTERM, or send `exit` after `shutdown`.
    enum Stop: CaseIterable, Sendable { case endOfInput, terminate, exit }

    @Test("a 3 MB reply to a slow host goes out whole however the server is stopped, within 2 s", arguments: Stop.allCases)
    func wholeLastLine(stop: Stop) async throws {
        let text = String(repeating: "0123456789", count: 300_000)
        let (replies, status, seconds) = try await onOwnThread { () throws -> ([Int: JSONValue], Int32?, TimeInterval) in
            let server = try ServerProcess(readImmediately: false)
            try server.request(1, "session/create", ["session": "s"])
            try server.request(2, "commit", ["session": "s", "ops": [["op": "put", "type": "Doc", "id": "d", "data": ["text": .string(text)]]]])
            try server.request(3, "entity/get", ["session": "s", "type": "Doc", "id": "d"])
            if stop == .exit { try server.request(4, "shutdown") }
            // Time for the reply to be queued, the pipe holding 64 KiB of it, even on a busy machine.
            Thread.sleep(forTimeInterval: 1)
            let start = Date()
            switch stop {
            case .endOfInput: try server.closeInput()
            case .terminate: kill(server.pid, SIGTERM)
            case .exit: try server.send(#"{"jsonrpc":"2.0","method":"exit"}"# + "\n")
            }
            // About a second to read it all: past the 0.5 s after which an exit begins no reply.
            server.startReading(pace: (bytes: 64 << 10, every: 0.02))
            var replies: [Int: JSONValue] = [:]
            while let line = try server.nextLine(timeout: 5) {
                let message = try JSONParser.parse(line)
                replies[message["id"]?.intValue ?? 0] = message
            }
            return (replies, server.waitForExit(timeout: 5), Date().timeIntervalSince(start))
        }
        #expect(status == 0)
        #expect(seconds < 2.2)
        #expect(replies[3]?["result"]?["entity"]?["data"]?["text"]?.stringValue?.count == text.count)
    }

    @Test("shutdown answers null, later requests fail SHUTTING_DOWN, exit then exits 0")
    func shutdownThenExit() throws {
        let server = try ServerProcess()
        #expect(try server.call(1, "shutdown") == ["jsonrpc": "2.0", "id": 1, "result": nil])
        let refused = try server.call(2, "ping")
        #expect(refused["error"]?["code"] == -32010)
        #expect(refused["error"]?["data"]?["reason"] == "SHUTTING_DOWN")
        try server.send(#"{"jsonrpc":"2.0","method":"exit"}"# + "\n")
        #expect(server.waitForExit(timeout: 2) == 0)
    }

    @Test("exit without shutdown exits 1")
    func exitAlone() throws {
        let server = try ServerProcess()
        try server.send(#"{"jsonrpc":"2.0","method":"exit"}"# + "\n")
        #expect(server.waitForExit(timeout: 2) == 1)
    }

    @Test("a host that stops reading stdout does not make the server grow without bound")
    func stalledHost() throws {
        let server = try ServerProcess(readImmediately: false)
        let count = 160
        let id = String(repeating: "z", count: 1 << 20)
        let finished = NSCondition()
        nonisolated(unsafe) var written = 0
        let writer = Thread {
            for n in 0..<count {
                guard (try? server.send(#"{"jsonrpc":"2.0","id":"\#(n)\#(id)","method":"ping"}"# + "\n")) != nil else { return }
                finished.withLock { written = n + 1 }
            }
        }
        writer.start()
        Thread.sleep(forTimeInterval: 2)
        let stalledAt = finished.withLock { written }
        #expect(stalledAt < count, "the server kept reading while nobody read its output")
        #expect(server.residentBytes < 200 << 20, "resident \(server.residentBytes >> 20) MiB while stalled")
        server.startReading()
        for _ in 0..<count { _ = try #require(try server.nextLine(timeout: 30)) }
        #expect(finished.withLock { written } == count)
    }

    @Test("initialize reports the protocol version, server, capabilities and store")
    func initialize() throws {
        let server = try ServerProcess()
        let result = try #require(try server.call(1, "initialize", ["clientInfo": ["name": "test", "version": "1"], "protocolVersion": "1"])["result"])
        #expect(result["protocolVersion"] == "1")
        #expect(result["serverInfo"]?["name"] == "revstore")
        #expect(result["store"] == ["path": ":memory:", "backend": "sqlite"])
        #expect(result["capabilities"]?["methods"]?.arrayValue?.contains("ping") == true)
    }

    @Test("--help and --version print to stdout and exit 0; bad flags fail with a message")
    func commandLine() throws {
        func run(_ arguments: [String]) throws -> (Int32, String, String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ServerProcess.binary)
            process.arguments = arguments
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let ended = ServerProcess.readUntilExit(process, out.fileHandleForReading.fileDescriptor, err.fileHandleForReading.fileDescriptor)
            return (ended.status, String(decoding: ended.stdout, as: UTF8.self), String(decoding: ended.stderr, as: UTF8.self))
        }
        let help = try run(["--help"])
        #expect(help.0 == 0)
        #expect(help.1.contains("serve (default)") && help.1.contains("mcp"))
        for command in ["serve", "mcp"] {
            let commandHelp = try run([command, "--help"])
            #expect(commandHelp.0 == 0)
            #expect(commandHelp.1.contains("--durability") && commandHelp.1.contains("Example"))
        }
        let version = try run(["--version"])
        #expect(version.0 == 0)
        #expect(version.1.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
        let bad = try run(["--durability", "sometimes"])
        #expect(bad.0 != 0)
        #expect(bad.2.contains("durability"))
    }

    @Test("a server whose host died exits, even when another process still holds its stdin open")
    func orphanExits() throws {
        let host = Process()
        host.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        host.arguments = ["python3", "-c", """
            import os, subprocess, sys, time
            read, write = os.pipe()
            server = subprocess.Popen([sys.argv[1], "--memory"], stdin=read, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            # A process that inherited the pipe's other end: the server's stdin never ends.
            holder = subprocess.Popen(["sleep", "60"], pass_fds=(write,), start_new_session=True)
            os.write(write, b'{"jsonrpc":"2.0","id":1,"method":"ping"}\\n')
            server.stdout.readline()  # serving
            print(server.pid, holder.pid, flush=True)
            time.sleep(60)
            """, ServerProcess.binary]
        let output = Pipe()
        host.standardOutput = output
        try host.run()
        var printed: [UInt8] = []
        while !printed.contains(UInt8(ascii: "\n")) {
            let chunk = readChunk(output.fileHandleForReading.fileDescriptor)
            if chunk.isEmpty { break }
            printed += chunk
        }
        let pids = String(decoding: printed, as: UTF8.self).split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(pids.count == 2)
        defer { kill(pids[1], SIGKILL) }
        /// Running, not a zombie waiting to be reaped.
        func alive(_ pid: Int32) -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            return !stat[stat.index(close, offsetBy: 2)...].hasPrefix("Z")
        }
        #expect(alive(pids[0]))
        kill(host.processIdentifier, SIGKILL)
        waitForEnd(of: host)
        let deadline = Date(timeIntervalSinceNow: 10)
        while alive(pids[0]), Date() < deadline { usleep(50_000) }
        #expect(!alive(pids[0]), "the server outlived its host")
    }
}
