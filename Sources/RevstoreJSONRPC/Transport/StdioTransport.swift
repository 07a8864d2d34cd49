import Dispatch
import Foundation
import Logging

/// Serves a `Connection` over a pair of file descriptors (stdin and the private stdout).
///
/// The reader loop runs on the calling thread. It never blocks on handlers or on output: it
/// only pauses reading while the host leaves more than `maximumQueuedOutputBytes` unread or
/// too many requests are in flight, which bounds memory when the host stops reading.
/// It stops on stdin EOF, SIGTERM, a broken output pipe, or the `exit` notification.
///
/// It waits in a plain blocking `read(2)`, not `poll(2)`: a host blocked on our reply wakes
/// us directly, which measured several microseconds faster per round trip. To stop it from
/// another thread, `stop` interrupts that `read` with a no-op signal (`SIGURG`, installed
/// without `SA_RESTART`) and repeats it until the loop has seen the stop, so a signal that
/// lands just before `read` is entered cannot be lost.
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
    /// The thread blocked in `read(2)`, while the loop runs.
    private var readerThread: pthread_t?

    public init(inputFD: Int32, outputFD: Int32, options: Options = Options(), logger: Logger) {
        self.inputFD = inputFD
        self.output = OutputChannel(fd: outputFD)
        self.options = options
        self.logger = logger
        Self.installInterruptHandler
    }

    /// Asks the reader loop to stop (safe from any thread); the first reason wins.
    public func stop(_ reason: StopReason) {
        let reader: pthread_t? = lock.withLock {
            if stopReason == nil { stopReason = reason }
            return readerThread
        }
        guard let reader, pthread_equal(reader, pthread_self()) == 0 else { return }
        DispatchQueue.global().async { [self] in
            while lock.withLock({ readerThread != nil }) {
                pthread_kill(reader, SIGURG)
                usleep(5_000)
            }
        }
    }

    /// A no-op handler whose only effect is to make a blocked `read(2)` return `EINTR`.
    private static let installInterruptHandler: Void = {
        var action = sigaction()
        #if os(Linux)
        action.__sigaction_handler.sa_handler = { _ in }
        #else
        action.__sigaction_u.__sa_handler = { _ in }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGURG, &action, nil)
    }()

    /// Reads and dispatches until input ends or something stops the loop, then finishes
    /// in-flight requests and flushes output (bounded by `drainTimeout`).
    public func run(_ connection: Connection) -> StopReason {
        connection.onExit { [weak self] code in self?.stop(.exitRequested(code: code)) }
        output.onBrokenPipe { [weak self] in self?.stop(.outputClosed) }
        TerminationSignal.onTerminate { [weak self] in self?.stop(.terminated) }

        var framer = LineFramer(maximumLineBytes: options.maximumMessageBytes)
        let process: (LineFramer.Frame) -> Void = { [options] frame in
            switch frame {
            case .line(let line): connection.receive(line)
            case .tooLarge: connection.receiveOversizedMessage(limit: options.maximumMessageBytes)
            }
        }
        let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 16)
        defer { chunk.deallocate() }

        lock.withLock { readerThread = pthread_self() }
        while currentStopReason == nil {
            if !waitForRoom(connection) { break }
            let count = read(inputFD, chunk.baseAddress, chunk.count)
            if count > 0 {
                output.cork()
                framer.feed(UnsafeBufferPointer(rebasing: chunk[0..<count]), process)
                output.uncork()
            } else if count == 0 || errno != EINTR {
                if count < 0 { logger.error("reading stdin failed: errno \(errno)") }
                output.cork()
                framer.finish(process)
                output.uncork()
                stop(.endOfInput)
            }
        }
        lock.withLock { readerThread = nil }

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
            usleep(2_000)
        }
        return true
    }
}
