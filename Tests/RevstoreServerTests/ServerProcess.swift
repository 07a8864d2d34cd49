import RevstoreJSON
import Foundation
import RevstoreJSONRPC

/// The built `revstore` binary running as a child, driven over real pipes.
final class ServerProcess: @unchecked Sendable {
    struct Timeout: Error, CustomStringConvertible {
        let description: String
    }

    /// `$REVSTORE_BIN`, else the `revstore` built beside this test binary.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["REVSTORE_BIN"], !path.isEmpty { return path }
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: me).deletingLastPathComponent()
        if directory.pathExtension == "xctest" || directory.lastPathComponent == "MacOS" { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("revstore").path
    }

    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    private let condition = NSCondition()
    private var stdoutBuffer: [UInt8] = []
    /// Where the unconsumed part of `stdoutBuffer` starts, and how far it was searched.
    private var consumed = 0
    private var searched = 0
    private var stdoutClosed = false
    private var stderrText = ""
    /// Set once stderr reached its end: everything the process wrote there is in `stderrText`.
    private var stderrEnded = false
    private var readingStarted = false

    /// A host writing to a server that died must get EPIPE, not be killed by SIGPIPE.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Starts the binary with `arguments`; with a `launcher` (a command and its arguments, such
    /// as `setpriv` to run as another user), starts the launcher with the binary after it.
    init(_ arguments: [String] = ["--memory"], readImmediately: Bool = true, launcher: [String] = []) throws {
        Self.ignoreBrokenPipes
        let command = launcher + [Self.binary] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        Thread.detachNewThread { [self] in
            let fd = errors.fileHandleForReading.fileDescriptor
            while case let data = readChunk(fd), !data.isEmpty {
                condition.withLock { stderrText += String(decoding: data, as: UTF8.self) }
            }
            condition.withLock { stderrEnded = true }
        }
        if readImmediately { startReading() }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var pid: Int32 { process.processIdentifier }
    var stderr: String { condition.withLock { stderrText } }

    /// Starts draining stdout into the line buffer (tests of a stalled host start it late); a
    /// slow host reads at most `pace.bytes` at a time, once every `pace.every` seconds.
    func startReading(pace: (bytes: Int, every: TimeInterval)? = nil) {
        guard condition.withLock({ () -> Bool in defer { readingStarted = true }; return !readingStarted }) else { return }
        Thread.detachNewThread { [self] in
            let fd = output.fileHandleForReading.fileDescriptor
            while true {
                if let pace { Thread.sleep(forTimeInterval: pace.every) }
                let chunk = readChunk(fd, upTo: pace?.bytes ?? 1 << 16)
                condition.withLock {
                    if chunk.isEmpty { stdoutClosed = true } else { stdoutBuffer.append(contentsOf: chunk) }
                    condition.broadcast()
                }
                if chunk.isEmpty { break }
            }
        }
    }

    func send(_ text: String) throws { try sendBytes(Array(text.utf8)) }

    /// Writes all of `bytes` with `write(2)`, retried when a signal interrupts it, as
    /// `FileHandle` does not: a write blocked on a full pipe is the likeliest to be interrupted.
    func sendBytes(_ bytes: [UInt8]) throws {
        let fd = input.fileHandleForWriting.fileDescriptor
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            written += count
        }
    }

    /// Sends one request line.
    func request(_ id: Int, _ method: String, _ params: JSONValue? = nil) throws {
        var message: JSONValue = ["jsonrpc": "2.0", "id": .integer(id), "method": .string(method)]
        if let params, case .object(var object) = message {
            object["params"] = params
            message = .object(object)
        }
        try send(message.description + "\n")
    }

    func closeInput() throws { try input.fileHandleForWriting.close() }

    /// The next raw line on stdout, without its newline; nil once stdout closed.
    func nextLine(timeout: TimeInterval = 10) throws -> [UInt8]? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let newline = stdoutBuffer[max(searched, consumed)...].firstIndex(of: 0x0A) {
                let line = Array(stdoutBuffer[consumed..<newline])
                consumed = newline + 1
                searched = consumed
                if consumed > 1 << 20, consumed * 2 > stdoutBuffer.count {
                    stdoutBuffer.removeSubrange(0..<consumed)
                    consumed = 0
                    searched = 0
                }
                return line
            }
            searched = stdoutBuffer.count
            if stdoutClosed {
                if consumed == stdoutBuffer.count { return nil }
                defer { stdoutBuffer = []; consumed = 0; searched = 0 }
                return Array(stdoutBuffer[consumed...])
            }
            if !condition.wait(until: deadline) { throw Timeout(description: "no line on stdout within \(timeout) s; stderr: \(stderrText.suffix(2000))") }
        }
    }

    /// The next message on stdout, parsed.
    func next(timeout: TimeInterval = 10) throws -> JSONValue {
        guard let line = try nextLine(timeout: timeout) else { throw Timeout(description: "stdout closed; stderr: \(stderr.suffix(2000))") }
        return try JSONParser.parse(line)
    }

    /// Sends a request and returns its response (the next message).
    func call(_ id: Int, _ method: String, _ params: JSONValue? = nil) throws -> JSONValue {
        try request(id, method, params)
        return try next()
    }

    /// Waits for the process to end and for what it wrote on stderr to be read; its exit
    /// status, or nil on timeout.
    func waitForExit(timeout: TimeInterval = 5) -> Int32? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            if let status = exitStatus(of: process), condition.withLock({ stderrEnded }) { return status }
            if Date() > deadline { return nil }
            usleep(2_000)
        }
    }

    /// Resident memory of the child in bytes, from /proc.
    var residentBytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes * 1024
    }
}

extension ServerProcess {
    /// Both outputs of `process`, read until it has exited and they are drained, and its exit
    /// status. Not until EOF: a server that another test spawns at the same moment may inherit
    /// these pipes and hold them open long after this process is gone.
    static func readUntilExit(_ process: Process, _ out: Int32, _ err: Int32) -> (stdout: Data, stderr: Data, status: Int32) {
        var data = [Data(), Data()]
        var open = [true, true]
        let fds = [out, err]
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var status: Int32?
        while open.contains(true) {
            var polled = fds.enumerated().map { pollfd(fd: open[$0.offset] ? $0.element : -1, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&polled, 2, 20)
            for index in 0..<2 where open[index] && ready > 0 && polled[index].revents != 0 {
                let count = read(fds[index], &buffer, buffer.count)
                if count > 0 { data[index].append(contentsOf: buffer[0..<count]) } else { open[index] = false }
            }
            // Once the process is gone and nothing was left to read, what remains is all there is.
            if status != nil, ready == 0 { break }
            status = exitStatus(of: process)
        }
        return (data[0], data[1], status ?? waitForEnd(of: process))
    }
}

/// The exit status of a child that has ended (as `Process.terminationStatus` gives it: the exit
/// code, or the signal that killed it), or nil while it runs. Asked of the kernel without reaping
/// the child, not of `Process`: Foundation learns of an exit from SIGCHLD, and when several
/// children end at once it can miss one for good, which left a test polling forever.
func exitStatus(of process: Process) -> Int32? {
    var info = siginfo_t()
    guard waitid(P_PID, id_t(process.processIdentifier), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else {
        // No such child any more: Foundation has reaped it, and has its status.
        return process.isRunning ? nil : process.terminationStatus
    }
    return info._sifields._sigchld.si_pid == process.processIdentifier ? info._sifields._sigchld.si_status : nil
}

/// Waits for a child to end (`exitStatus`, not `Process.waitUntilExit`) and returns its status.
@discardableResult
func waitForEnd(of process: Process) -> Int32 {
    while true {
        if let status = exitStatus(of: process) { return status }
        usleep(2_000)
    }
}

/// What one `read(2)` of `fd` returns, up to `size` bytes; empty at end of input or on an error. A
/// read a signal interrupts is retried: `FileHandle.availableData` traps on `EINTR` instead,
/// and the test process, which starts many children, takes signals at any time.
func readChunk(_ fd: Int32, upTo size: Int = 1 << 16) -> [UInt8] {
    var chunk = [UInt8](repeating: 0, count: size)
    while true {
        let count = read(fd, &chunk, chunk.count)
        if count < 0, errno == EINTR { continue }
        return count > 0 ? Array(chunk[0..<count]) : []
    }
}

/// Runs `body`, which blocks for seconds (waiting on a server's pipes and its exit), on a thread
/// of its own: blocked there, it cannot starve Swift concurrency's few shared threads, which
/// other suites' tasks are running on meanwhile.
func onOwnThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result(catching: body)) }
    }
}
