import Dispatch
import Foundation
import Logging

/// Serves a `Connection` over a pair of file descriptors (stdin and the private stdout).
///
/// The reader loop runs on the calling thread. It never blocks on handlers or on output: it
/// only pauses reading while the host leaves more than `maximumQueuedOutputBytes` unread or
/// too many requests are in flight, which bounds memory when the host stops reading.
/// It stops on stdin EOF, SIGTERM, a broken output pipe, or the `exit` notification.
public final class StdioTransport: @unchecked Sendable {
    public struct Options: Sendable {
        /// Longer lines are discarded and answered with `-32600`, reason `TOO_LARGE`.
        public var maximumMessageBytes = 64 << 20
        /// Past this much unread output, stop reading input until the host catches up.
        public var maximumQueuedOutputBytes = 64 << 20
        /// Past this many unfinished requests, stop reading input until some finish.
        public var maximumInFlightRequests = 4096
        /// How long EOF or SIGTERM may take to finish in-flight work and flush.
        public var drainTimeout: TimeInterval = 1.8

        public init() {}
    }

    /// Why the loop ended.
    public enum StopReason: Sendable, Equatable {
        case endOfInput
        case terminated
        case outputClosed
        case exitRequested(code: Int32)
    }

    public let output: OutputChannel
    private let inputFD: Int32
    private let options: Options
    private let logger: Logger

    private let lock = NSLock()
    private var stopReason: StopReason?
    private let wakeRead: Int32
    private let wakeWrite: Int32

    public init(inputFD: Int32, outputFD: Int32, options: Options = Options(), logger: Logger) {
        self.inputFD = inputFD
        self.output = OutputChannel(fd: outputFD)
        self.options = options
        self.logger = logger
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "cannot create the wake-up pipe")
        (wakeRead, wakeWrite) = (fds[0], fds[1])
        _ = fcntl(wakeRead, F_SETFL, fcntl(wakeRead, F_GETFL) | O_NONBLOCK)
        _ = fcntl(wakeWrite, F_SETFL, fcntl(wakeWrite, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// Asks the reader loop to stop (safe from any thread); the first reason wins.
    public func stop(_ reason: StopReason) {
        lock.withLock { if stopReason == nil { stopReason = reason } }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// Reads and dispatches until input ends or something stops the loop, then finishes
    /// in-flight requests and flushes output (bounded by `drainTimeout`).
    public func run(_ connection: Connection) -> StopReason {
        connection.onExit { [weak self] code in self?.stop(.exitRequested(code: code)) }
        output.onBrokenPipe { [weak self] in self?.stop(.outputClosed) }
        signal(SIGTERM, SIG_IGN)
        let termination = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        termination.setEventHandler { [weak self] in self?.stop(.terminated) }
        termination.resume()
        defer { termination.cancel() }

        var framer = LineFramer(maximumLineBytes: options.maximumMessageBytes)
        let process: (LineFramer.Frame) -> Void = { [options] frame in
            switch frame {
            case .line(let line): connection.receive(line)
            case .tooLarge: connection.receiveOversizedMessage(limit: options.maximumMessageBytes)
            }
        }
        let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 16)
        defer { chunk.deallocate() }

        readLoop: while currentStopReason == nil {
            if !waitForRoom(connection) { break }
            var descriptors = [
                pollfd(fd: inputFD, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                logger.error("poll failed: errno \(errno)")
                stop(.endOfInput)
                break
            }
            if descriptors[1].revents != 0 { drainWakePipe() }
            guard descriptors[0].revents != 0 else { continue }
            let count = read(inputFD, chunk.baseAddress, chunk.count)
            if count > 0 {
                output.cork()
                framer.feed(UnsafeBufferPointer(rebasing: chunk[0..<count]), process)
                output.uncork()
            } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                output.cork()
                framer.finish(process)
                output.uncork()
                stop(.endOfInput)
                break readLoop
            }
        }

        let reason = currentStopReason ?? .endOfInput
        logger.debug("stopping: \(reason)")
        let deadline: Date
        if case .exitRequested = reason {
            deadline = Date(timeIntervalSinceNow: 0.5)  // "at once": only flush what is queued
        } else {
            deadline = Date(timeIntervalSinceNow: options.drainTimeout)
            connection.waitUntilIdle(before: deadline)
        }
        output.flush(before: deadline)
        output.close()
        return reason
    }

    private var currentStopReason: StopReason? { lock.withLock { stopReason } }

    /// Backpressure: pauses while the host is behind. Returns false if the loop must stop.
    private func waitForRoom(_ connection: Connection) -> Bool {
        while output.queuedBytes > options.maximumQueuedOutputBytes
            || connection.inFlightCount > options.maximumInFlightRequests
        {
            if currentStopReason != nil { return false }
            var wake = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
            if poll(&wake, 1, 20) > 0 { drainWakePipe() }
        }
        return true
    }

    private func drainWakePipe() {
        var sink = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &sink, sink.count) > 0 {}
    }
}
