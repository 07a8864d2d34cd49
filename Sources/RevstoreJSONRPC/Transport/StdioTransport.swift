import Dispatch
import Foundation
import Logging

/// Serves a `Connection` over a pair of file descriptors (stdin and the private stdout).
///
/// One thread at a time is the input thread: it reads, frames and dispatches. The loop starts
/// on the calling thread. Reads that can start at once run on the input thread itself; one
/// that runs long hands input to another thread (woken, or made on first need), and the
/// thread that ran it then waits to take input back when it is free again. Replies made while
/// input holds frames are corked and leave in one `write(2)`.
///
/// A write that runs on the input thread reads, just before it commits, whatever input has
/// arrived meanwhile, and dispatches the writes at its head so that they share its commit
/// (`RequestContext.takeArrivedRequests`); the first other message waits for the loop.
///
/// The loop never blocks on other work: it only pauses reading while the host leaves more
/// than `maximumQueuedOutputBytes` unread or too many requests are in flight, which bounds
/// memory when the host stops reading. It stops on stdin EOF, SIGTERM, a broken output pipe,
/// or the `exit` notification.
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
        /// How long EOF or SIGTERM may take to finish in-flight work and begin its replies.
        public var drainTimeout: TimeInterval = 1.5
        /// How much longer a reply already begun may take to go out whole, after `drainTimeout`;
        /// together within the protocol's 2 s.
        public var lineGrace: TimeInterval = 0.4
        /// Whether SIGTERM stops the loop: true for a process that serves one connection; a
        /// process that serves several stops each itself.
        public var stopsOnTerminationSignal = true

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

    /// Guards the input role and the stop reason.
    private let lock = NSCondition()
    private var stopReason: StopReason?
    /// The thread that holds input, while one does.
    private var inputThread: pthread_t?
    /// Threads waiting to take input (`awaitInput`).
    private var waitingForInput = 0

    // Touched only by the thread that holds input.
    private var framer: LineFramer
    private let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 16)
    /// A message read ahead by `dispatchArrivedRequests`, for the loop to dispatch next.
    private var parsedAhead: Connection.ReceivedMessage?
    private var inputEnded = false
    private var outputCorked = false
    /// The connection `run` serves, for the threads that take input over.
    private var servedConnection: Connection?

    public init(inputFD: Int32, outputFD: Int32, options: Options = Options(), logger: Logger) {
        self.inputFD = inputFD
        self.output = OutputChannel(fd: outputFD)
        self.options = options
        self.logger = logger
        framer = LineFramer(maximumLineBytes: options.maximumMessageBytes)
        Self.installInterruptHandler
    }

    deinit { chunk.deallocate() }

    /// Asks the loop to stop (safe from any thread); the first reason wins.
    public func stop(_ reason: StopReason) {
        let reader: pthread_t? = lock.withLock {
            if stopReason == nil { stopReason = reason }
            lock.broadcast()
            return inputThread
        }
        guard let reader, pthread_equal(reader, pthread_self()) == 0 else { return }
        DispatchQueue.global().async { [self] in
            while let reader = lock.withLock({ inputThread }) {
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
    /// in-flight requests and writes their replies, whole (bounded by `drainTimeout` and
    /// `lineGrace`).
    public func run(_ connection: Connection) -> StopReason {
        connection.onExit { [weak self] code in self?.stop(.exitRequested(code: code)) }
        output.onBrokenPipe { [weak self] in self?.stop(.outputClosed) }
        if options.stopsOnTerminationSignal {
            TerminationSignal.onTerminate { [weak self] in self?.stop(.terminated) }
        }
        connection.runConcurrentRequestsInline { [weak self] in self?.handOffInput() }
        connection.takeArrivedRequests { [weak self] in self?.dispatchArrivedRequests() }

        servedConnection = connection
        defer { servedConnection = nil }
        lock.withLock { inputThread = pthread_self() }
        repeat { serveInput(connection) } while awaitInput()

        let reason = currentStopReason ?? .endOfInput
        logger.debug("stopping: \(reason)")
        let stopping = Date()
        let beginBefore: Date
        if case .exitRequested = reason {
            beginBefore = stopping + 0.5  // "at once": only what is queued
        } else {
            beginBefore = stopping + options.drainTimeout
            connection.waitUntilIdle(before: beginBefore)
        }
        // Whole lines only: a reply is never left half-written for the host to read.
        output.finish(beginBefore: beginBefore, endBefore: stopping + options.drainTimeout + options.lineGrace)
        output.close()
        return reason
    }

    /// The input loop, run by the thread that holds input until the loop stops (input is then
    /// let go) or a long request hands input to another thread.
    private func serveInput(_ connection: Connection) {
        while true {
            if let message = takeParsedAhead() ?? framer.next({ frame in Self.parse(frame, connection) }) {
                if !outputCorked {
                    output.cork()
                    outputCorked = true
                }
                if let message {
                    connection.dispatch(message, inputWaiting: !framer.isEmpty)
                } else {
                    connection.receiveOversizedMessage(limit: options.maximumMessageBytes)
                }
                guard holdsInput else { return }
                continue
            }
            if outputCorked {
                output.uncork()
                outputCorked = false
            }
            if inputEnded { stop(.endOfInput) }
            if currentStopReason != nil || !waitForRoom(connection) { break }
            readInput()
        }
        lock.withLock {
            inputThread = nil
            lock.broadcast()
        }
    }

    /// Reads once, waiting for input if none has arrived; at EOF or on an error, ends input.
    private func readInput() {
        let count = read(inputFD, chunk.baseAddress, chunk.count)
        if count > 0 {
            framer.append(UnsafeBufferPointer(rebasing: chunk[0..<count]))
        } else if count == 0 || errno != EINTR {
            if count < 0 { logger.error("reading stdin failed: errno \(errno)") }
            framer.finish()
            inputEnded = true
        }
    }

    private func takeParsedAhead() -> Connection.ReceivedMessage?? {
        guard let message = parsedAhead else { return nil }
        parsedAhead = nil
        return message
    }

    /// `RequestContext.takeArrivedRequests`, on the input thread: reads what input has arrived,
    /// without waiting, and dispatches the groupable requests at its head. The first other
    /// message is left in `parsedAhead`, so everything after it keeps its place behind it.
    private func dispatchArrivedRequests() {
        guard holdsInput, parsedAhead == nil, let connection = servedConnection, currentStopReason == nil else { return }
        var ready = pollfd(fd: inputFD, events: Int16(POLLIN), revents: 0)
        if !inputEnded, poll(&ready, 1, 0) > 0 { readInput() }
        while let message = framer.next({ frame in Self.parse(frame, connection) }) {
            guard let message else {
                connection.receiveOversizedMessage(limit: options.maximumMessageBytes)
                continue
            }
            guard connection.isGroupable(message) else {
                parsedAhead = message
                return
            }
            connection.dispatch(message, inputWaiting: true)
        }
    }

    /// A frame parsed while its bytes are valid; nil for a line over the size limit.
    private static func parse(_ frame: LineFramer.Frame, _ connection: Connection) -> Connection.ReceivedMessage? {
        switch frame {
        case .line(let line): connection.parse(line)
        case .tooLarge: nil
        }
    }

    private var holdsInput: Bool {
        lock.withLock { inputThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    /// Called by the connection on the input thread while a request there runs long: lets
    /// replies made so far go, and gives input to a waiting thread, or a new one.
    private func handOffInput() {
        guard holdsInput, let connection = servedConnection else { return }
        if outputCorked {
            output.uncork()
            outputCorked = false
        }
        let spawn: Bool = lock.withLock {
            inputThread = nil
            lock.signal()
            return waitingForInput == 0
        }
        guard spawn else { return }
        let thread = Thread { [self] in
            while awaitInput() { serveInput(connection) }
        }
        thread.name = "revstore-input"
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Waits until input is free and takes it; false once the loop has stopped.
    private func awaitInput() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        waitingForInput += 1
        defer { waitingForInput -= 1 }
        while inputThread != nil, stopReason == nil { lock.wait() }
        guard stopReason == nil else { return false }
        inputThread = pthread_self()
        return true
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
