import RevstoreJSON
import Foundation
import Logging

/// Where a connection's outgoing messages go: one complete JSON text per call, no newline.
public protocol MessageSink: AnyObject, Sendable {
    func send(_ message: [UInt8])
}

/// One JSON-RPC peer: classifies incoming messages, schedules their handlers, and answers.
///
/// `receive(_:)` is called from a single reader thread and never blocks: immediate handlers
/// run inline, ordered ones enqueue their work inline and are answered from whichever thread
/// completes it, concurrent ones run on the read threads (`ReadWorkers`) after the ordered
/// requests received before them.
public final class Connection: @unchecked Sendable {
    public struct Options: Sendable {
        /// Nesting deeper than this is a parse error.
        public var maximumDepth = JSONParser.defaultMaximumDepth
        /// The error for any request received after `shutdown`.
        public var requestAfterShutdown = RPCError.invalidRequest("the server is shutting down")
        /// How many concurrent requests may run at once, each on its own thread.
        public var maximumConcurrentRequests = 4

        public init() {}
    }

    public let logger: Logger
    private let registry: MethodRegistry
    private let sink: any MessageSink
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

    public init(registry: MethodRegistry, sink: any MessageSink, options: Options = Options(), logger: Logger) {
        self.registry = registry
        self.sink = sink
        self.options = options
        self.logger = logger
        readWorkers = ReadWorkers(maximumThreads: options.maximumConcurrentRequests)
    }

    deinit { readWorkers.stop() }

    // MARK: - Input (reader thread)

    /// Handles one framed message.
    public func receive(_ line: UnsafeBufferPointer<UInt8>) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(line, maximumDepth: options.maximumDepth)
        } catch {
            logger.debug("parse error: \(error.description)")
            sink.send(OutgoingMessage.error(id: .null, error: .parseError(error.description)))
            return
        }
        guard case .array(let elements) = value else {
            handle(IncomingMessage(value)) { [sink] reply in if let reply { sink.send(reply) } }
            return
        }
        guard !elements.isEmpty else {
            sink.send(OutgoingMessage.error(id: .null, error: .invalidRequest("an empty batch")))
            return
        }
        let batch = BatchCollector(count: elements.count, sink: sink)
        for (index, element) in elements.enumerated() {
            handle(IncomingMessage(element)) { reply in batch.complete(index, reply) }
        }
    }

    /// Answers a line that was cut off for exceeding `limit` bytes.
    public func receiveOversizedMessage(limit: Int) {
        logger.warning("discarded a message longer than \(limit) bytes")
        sink.send(OutgoingMessage.error(id: .null, error: .messageTooLarge(limit: limit)))
    }

    /// Runs one message; `reply` gets the response bytes, or nil for a notification.
    private func handle(_ message: IncomingMessage, reply: @escaping @Sendable ([UInt8]?) -> Void) {
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

        let answer: @Sendable (Result<any JSONWritable, any Error>) -> Void = { [logger] outcome in
            guard let id else {
                if case .failure(let error) = outcome { logger.debug("notification \(method) failed: \(error)") }
                reply(nil)
                return
            }
            switch outcome {
            case .success(let result): reply(OutgoingMessage.response(id: id, result: result))
            case .failure(let error): reply(OutgoingMessage.error(id: id, error: RPCError(error)))
            }
        }

        guard let handler = registry.handler(for: method) else {
            answer(.failure(RPCError.methodNotFound(method)))
            return
        }
        if id != nil, isShuttingDown {
            answer(.failure(options.requestAfterShutdown))
            return
        }
        switch handler {
        case .immediate(let body):
            let context = RequestContext(id: id, method: method, connection: self, cancellation: .never)
            answer(Result { try body(params, context) })

        case .ordered(let body):
            let context = RequestContext(id: id, method: method, connection: self, cancellation: .never)
            let deferred: Deferred<any JSONWritable>
            do {
                deferred = try body(params, context)
            } catch {
                answer(.failure(error))
                return
            }
            let number = beginOrdered()
            deferred.whenDone { outcome in
                answer(outcome)
                self.endOrdered(number)
            }

        case .concurrent(let body):
            begin()
            let cancellation = id.map(register) ?? .never
            let context = RequestContext(id: id, method: method, connection: self, cancellation: cancellation)
            readWorkers.submit(after: state.withLock { orderedReceived }) {
                let outcome: Result<any JSONWritable, any Error> = cancellation.isCancelled
                    ? .failure(RPCError.cancelled) : Result { try body(params, context) }
                if let id, self.unregister(id, cancellation) {
                    answer(.failure(RPCError.cancelled))
                } else {
                    answer(outcome)
                }
                self.end()
            }
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

    private func register(_ id: RequestID) -> Cancellation {
        let token = Cancellation()
        state.lock()
        cancellable[id] = token
        state.unlock()
        return token
    }

    /// Removes the token; returns whether the request was cancelled before it finished.
    private func unregister(_ id: RequestID, _ token: Cancellation) -> Bool {
        state.lock()
        if cancellable[id] === token { cancellable[id] = nil }
        state.unlock()
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

    private func begin() {
        state.lock()
        inFlight += 1
        state.unlock()
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

    private func end() {
        state.lock()
        inFlight -= 1
        if inFlight == 0 { state.broadcast() }
        state.unlock()
    }
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
