import RevstoreJSON
import Foundation
import Logging

/// Where a connection's outgoing messages go: one complete JSON text per call, no newline.
public protocol MessageSink: AnyObject, Sendable {
    func send(_ message: [UInt8])
}

/// One JSON-RPC peer: classifies incoming messages, schedules their handlers, and answers.
///
/// `receive(_:)` is called from one input thread at a time and never waits for other work:
/// immediate handlers run inline, ordered ones enqueue their work inline and are answered from
/// whichever thread completes it, concurrent ones run after the ordered requests received
/// before them. A concurrent request that can start at once runs on the input thread itself
/// when the transport allows it (`runConcurrentRequestsInline`): no hand-off at all, which on
/// a busy core saves two context switches per read. If it runs long, input moves to another
/// thread meanwhile. Otherwise it waits on the read threads (`ReadWorkers`).
public final class Connection: @unchecked Sendable {
    public struct Options: Sendable {
        /// Nesting deeper than this is a parse error.
        public var maximumDepth = JSONParser.defaultMaximumDepth
        /// The error for any request received after `shutdown`.
        public var requestAfterShutdown = RPCError.invalidRequest("the server is shutting down")
        /// How many concurrent requests may run at once, each on its own thread.
        public var maximumConcurrentRequests = 4
        /// How long a concurrent request runs on the input thread before input moves to
        /// another thread, so that cancellations and further requests are read meanwhile.
        public var inlineRunLimit: Duration = .milliseconds(2)

        public init() {}
    }

    public let logger: Logger
    private let registry: MethodRegistry
    private let sink: any MessageSink
    /// The sink, when it can send a read's large response in parts.
    private let partialSink: (any PartialMessageSink)?
    private let options: Options

    /// Guards the state below it, shared between the reader thread and handler tasks.
    private let state = NSCondition()
    private var inFlight = 0
    private var cancellable: [RequestID: Cancellation] = [:]
    private var shuttingDown = false
    private var exitHandler: (@Sendable (Int32) -> Void)?

    /// Ordered requests are numbered as they arrive; a concurrent request received after
    /// number n waits until every ordered request up to n has completed.
    private var orderedReceived = 0
    private var orderedUnfinished: Set<Int> = []
    private let readWorkers: ReadWorkers
    /// Set by a transport whose input thread may run concurrent requests: moves input reading
    /// to another thread (called on the input thread).
    private var inputHandOff: (@Sendable () -> Void)?
    /// Concurrent requests started on an input thread and not finished yet.
    private var inlineRunning = 0
    /// Set by a transport that can read input on demand: `RequestContext.takeArrivedRequests`.
    private var arrivedRequestsReader: (@Sendable () -> Void)?

    public init(registry: MethodRegistry, sink: any MessageSink, options: Options = Options(), logger: Logger) {
        self.registry = registry
        self.sink = sink
        partialSink = sink as? any PartialMessageSink
        self.options = options
        self.logger = logger
        readWorkers = ReadWorkers(maximumThreads: options.maximumConcurrentRequests)
    }

    deinit { readWorkers.stop() }

    // MARK: - Input (reader thread)

    /// One framed message, parsed on the input thread and ready for `dispatch`.
    public struct ReceivedMessage: Sendable {
        fileprivate let parsed: Result<JSONValue, JSONParseError>
    }

    /// Handles one framed message.
    public func receive(_ line: UnsafeBufferPointer<UInt8>) {
        dispatch(parse(line))
    }

    /// Parses a framed message: the part of `receive` that needs the line's bytes.
    public func parse(_ line: UnsafeBufferPointer<UInt8>) -> ReceivedMessage {
        ReceivedMessage(parsed: Result { () throws(JSONParseError) in try JSONParser.parse(line, maximumDepth: options.maximumDepth) })
    }

    /// Runs a parsed message: the rest of `receive`. `inputWaiting`: more input arrived with
    /// it and waits to be read.
    public func dispatch(_ message: ReceivedMessage, inputWaiting: Bool = true) {
        let value: JSONValue
        switch message.parsed {
        case .success(let parsed):
            value = parsed
        case .failure(let error):
            logger.debug("parse error: \(error.description)")
            sink.send(OutgoingMessage.error(id: .null, error: .parseError(error.description)))
            return
        }
        guard case .array(let elements) = value else {
            handle(IncomingMessage(value), alone: true, inputWaiting: inputWaiting) { [sink] reply in if let reply { sink.send(reply) } }
            return
        }
        guard !elements.isEmpty else {
            sink.send(OutgoingMessage.error(id: .null, error: .invalidRequest("an empty batch")))
            return
        }
        let batch = BatchCollector(count: elements.count, sink: sink)
        var index = 0
        while index < elements.count {
            let first = index
            index += 1
            let reply: @Sendable ([UInt8]?) -> Void = { batch.complete(first, $0) }
            // The groupable writes right behind a groupable write join its commit: with no
            // input waiting behind the batch it runs on this thread and, just before it
            // commits, dispatches them into its group, as `takeArrivedRequests` does for lines.
            var end = index
            while end < elements.count, isGroupable(elements[end]) { end += 1 }
            guard !inputWaiting, end > index, isGroupable(elements[first]) else {
                handle(IncomingMessage(elements[first]), alone: false, inputWaiting: true, reply: reply)
                continue
            }
            let joining = index..<end
            let taken = Once()
            handle(IncomingMessage(elements[first]), alone: false, inputWaiting: false, joining: {
                // Called before each group the inline drain commits; the first takes them.
                guard taken.claim() else { return }
                for position in joining {
                    self.handle(IncomingMessage(elements[position]), alone: false, inputWaiting: true) { batch.complete(position, $0) }
                }
            }, reply: reply)
            // A write that ran on another thread, or failed before its commit, took none: they
            // go one by one.
            if !taken.claim() { index = end }
        }
    }

    /// Lets concurrent requests that can start at once run on the input thread. `handOff`
    /// must move input reading to another thread; it is called on the input thread, while
    /// such a request has run for `Options.inlineRunLimit`.
    public func runConcurrentRequestsInline(handOff: @escaping @Sendable () -> Void) {
        state.withLock { inputHandOff = handOff }
    }

    /// Lets an ordered request dispatched alone take in the groupable ordered requests that
    /// arrive while its work runs on the input thread (`RequestContext.takeArrivedRequests`):
    /// `read` must read what input has arrived, without waiting, and dispatch the messages at
    /// its head for which `isGroupable` holds. Called on the input thread.
    public func takeArrivedRequests(with read: @escaping @Sendable () -> Void) {
        state.withLock { arrivedRequestsReader = read }
    }

    /// Whether `message` is one request (not a batch) for a groupable ordered method.
    public func isGroupable(_ message: ReceivedMessage) -> Bool {
        guard case .success(let value) = message.parsed else { return false }
        return isGroupable(value)
    }

    private func isGroupable(_ value: JSONValue) -> Bool {
        guard case .object(let object) = value, case .string(let method)? = object["method"],
              case .ordered(_, groupable: true)? = registry.handler(for: method) else { return false }
        return true
    }

    /// Answers a line that was cut off for exceeding `limit` bytes.
    public func receiveOversizedMessage(limit: Int) {
        logger.warning("discarded a message longer than \(limit) bytes")
        sink.send(OutgoingMessage.error(id: .null, error: .messageTooLarge(limit: limit)))
    }

    /// Runs one message; `reply` gets the response bytes, or nil for a notification or a
    /// response already sent in parts (only for a message `alone`, not in a batch). `joining`
    /// dispatches the requests that join an ordered request's work (`RequestContext.takeArrivedRequests`).
    private func handle(_ message: IncomingMessage, alone: Bool, inputWaiting: Bool, joining: (@Sendable () -> Void)? = nil,
                        reply: @escaping @Sendable ([UInt8]?) -> Void) {
        let id: RequestID?
        let method: String
        let params: JSONValue?
        switch message {
        case .invalid(let invalidID, let detail):
            reply(OutgoingMessage.error(id: invalidID, error: .invalidRequest(detail)))
            return
        case .request(let requestID, let name, let p):
            (id, method, params) = (requestID, name, p)
        case .notification(let name, let p):
            (id, method, params) = (nil, name, p)
        }

        let answer: @Sendable (Result<any JSONWritable, any Error>, ResultStream?) -> Void = { [logger] outcome, stream in
            guard let id else {
                if case .failure(let error) = outcome { logger.debug("notification \(method) failed: \(error)") }
                reply(nil)
                return
            }
            switch outcome {
            case .success(let result):
                if let stream, stream.hasResponded {
                    reply(stream.takeResponse())
                } else {
                    reply(OutgoingMessage.response(id: id, result: result))
                }
            case .failure(let error):
                stream?.cutOff()
                reply(OutgoingMessage.error(id: id, error: RPCError(error)))
            }
        }

        guard let handler = registry.handler(for: method) else {
            answer(.failure(RPCError.methodNotFound(method)), nil)
            return
        }
        if id != nil, isShuttingDown {
            answer(.failure(options.requestAfterShutdown), nil)
            return
        }
        switch handler {
        case .immediate(let body):
            let context = RequestContext(id: id, method: method, connection: self, cancellation: .never)
            answer(Result { try body(params, context) }, nil)

        case .ordered(let body, _):
            var context = RequestContext(id: id, method: method, connection: self, cancellation: .never)
            context.inputWaiting = inputWaiting
            if let joining {
                context.takeArrivedRequests = joining
            } else if alone, !inputWaiting {
                context.takeArrivedRequests = state.withLock { arrivedRequestsReader }
            }
            let deferred: Deferred<any JSONWritable>
            do {
                deferred = try body(params, context)
            } catch {
                answer(.failure(error), nil)
                return
            }
            let number = beginOrdered()
            deferred.whenDone { outcome in
                answer(outcome, nil)
                self.endOrdered(number)
            }

        case .concurrent(let body):
            let cancellation = Cancellation()
            let (barrier, handOff) = beginConcurrent(id, cancellation)
            let stream = ResultStream(id: id, sink: alone ? partialSink : nil, cancellation: cancellation)
            let context = RequestContext(id: id, method: method, connection: self, cancellation: cancellation, resultStream: stream)
            let run = { (inline: Bool) in
                let outcome: Result<any JSONWritable, any Error> = cancellation.isCancelled
                    ? .failure(RPCError.cancelled) : Result { try body(params, context) }
                if inline { cancellation.finishedRunning() }
                // A response with parts out is finished whatever came after them.
                let cancelled = self.unregister(id, cancellation) && !stream.hasSentPart
                answer(cancelled ? .failure(RPCError.cancelled) : outcome, stream)
                self.end(inline: inline)
            }
            guard let handOff else {
                readWorkers.submit(after: barrier) { run(false) }
                return
            }
            // Only a request still running when input moves on can be cancelled: only then is
            // it registered.
            cancellation.whenRunningLong(after: options.inlineRunLimit) {
                if let id { self.register(id, cancellation) }
                handOff()
            }
            run(true)
        }
    }

    // MARK: - Output

    /// Sends a notification to the host.
    public func notify(method: String, params: some JSONWritable) {
        sink.send(OutgoingMessage.notification(method: method, params: params))
    }

    public func notify(method: String, params: JSONValue) {
        sink.send(OutgoingMessage.notification(method: method, params: params))
    }

    // MARK: - Cancellation

    /// Cancels a queued or running concurrent request; unknown or finished ids are ignored.
    public func cancel(_ id: RequestID) {
        state.lock()
        let token = cancellable[id]
        state.unlock()
        token?.cancel()
    }

    /// Counts a concurrent request in, registers its cancellation, and numbers the ordered
    /// requests it must wait for. Returns the input hand-off when it may run on the input
    /// thread now: nothing ordered is unfinished and fewer than the most concurrent requests
    /// run there.
    private func beginConcurrent(_ id: RequestID?, _ cancellation: Cancellation) -> (barrier: Int, handOff: (@Sendable () -> Void)?) {
        state.lock()
        defer { state.unlock() }
        inFlight += 1
        if let inputHandOff, orderedUnfinished.isEmpty, inlineRunning < options.maximumConcurrentRequests {
            inlineRunning += 1
            return (orderedReceived, inputHandOff)
        }
        if let id { registerLocked(id, cancellation) }
        return (orderedReceived, nil)
    }

    private func register(_ id: RequestID, _ token: Cancellation) {
        state.withLock { registerLocked(id, token) }
    }

    private func registerLocked(_ id: RequestID, _ token: Cancellation) {
        cancellable[id] = token
        token.isRegistered = true
    }

    /// Removes the token if it was registered; returns whether the request was cancelled
    /// before it finished.
    private func unregister(_ id: RequestID?, _ token: Cancellation) -> Bool {
        if let id, token.isRegistered {
            state.withLock {
                if cancellable[id] === token { cancellable[id] = nil }
            }
        }
        return token.isCancelled
    }

    // MARK: - Lifecycle

    public var isShuttingDown: Bool {
        state.lock()
        defer { state.unlock() }
        return shuttingDown
    }

    /// After this, every request is answered with `Options.requestAfterShutdown`.
    public func beginShutdown() {
        state.lock()
        shuttingDown = true
        state.unlock()
    }

    /// Called by the transport: what to do when the client asks the process to exit.
    public func onExit(_ handler: @escaping @Sendable (Int32) -> Void) {
        state.lock()
        exitHandler = handler
        state.unlock()
    }

    /// The `exit` notification: 0 after `shutdown`, 1 otherwise (as in LSP).
    public func requestExit() {
        state.lock()
        let code: Int32 = shuttingDown ? 0 : 1
        let handler = exitHandler
        state.unlock()
        handler?(code)
    }

    /// Requests whose handlers have not finished yet.
    public var inFlightCount: Int {
        state.lock()
        defer { state.unlock() }
        return inFlight
    }

    /// Waits until no request is in flight; false if `deadline` passed first.
    @discardableResult
    public func waitUntilIdle(before deadline: Date) -> Bool {
        state.lock()
        defer { state.unlock() }
        while inFlight > 0 {
            if !state.wait(until: deadline) { return inFlight == 0 }
        }
        return true
    }

    private func beginOrdered() -> Int {
        state.lock()
        defer { state.unlock() }
        inFlight += 1
        orderedReceived += 1
        orderedUnfinished.insert(orderedReceived)
        return orderedReceived
    }

    private func endOrdered(_ number: Int) {
        let done: Int = state.withLock {
            orderedUnfinished.remove(number)
            return orderedUnfinished.min().map { $0 - 1 } ?? orderedReceived
        }
        readWorkers.orderedCompleted(through: done)
        end()
    }

    /// Counts a request out; `inline` for a concurrent one that ran on an input thread.
    private func end(inline: Bool = false) {
        state.lock()
        inFlight -= 1
        if inline { inlineRunning -= 1 }
        if inFlight == 0 { state.broadcast() }
        state.unlock()
    }
}

/// True for the first `claim` only, whichever thread makes it.
private final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = false

    func claim() -> Bool { lock.withLock { defer { claimed = true }; return !claimed } }
}

/// Gathers the replies to one batch and sends them as one array once all are in.
private final class BatchCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var replies: [[UInt8]?]
    private var remaining: Int
    private let sink: any MessageSink

    init(count: Int, sink: any MessageSink) {
        replies = Array(repeating: nil, count: count)
        remaining = count
        self.sink = sink
    }

    func complete(_ index: Int, _ reply: [UInt8]?) {
        let done: [[UInt8]]? = lock.withLock {
            replies[index] = reply
            remaining -= 1
            return remaining == 0 ? replies.compactMap { $0 } : nil
        }
        if let done, !done.isEmpty { sink.send(OutgoingMessage.batch(done)) }
    }
}
