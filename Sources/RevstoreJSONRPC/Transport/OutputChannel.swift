import Foundation

/// The single, serialized writer of protocol messages to a file descriptor.
///
/// Every message is appended whole to one queue and written from its head under one lock, so
/// two messages never interleave however large they are. On a pipe or socket the descriptor is
/// non-blocking: the sending thread writes what the pipe takes at once (no thread hop on the
/// fast path) and a background thread finishes the rest when the host reads again, so no
/// sender ever blocks on a slow host. `write(2)` is used directly (no stdio buffering), with
/// partial writes and `EINTR` handled. A broken pipe (`EPIPE`) drops the queue and reports it.
///
/// One message at a time may go out in parts while it is written (`PartialMessageSink`):
/// messages sent meanwhile wait whole in `held`, and the writer of the parts is the one sender
/// that waits for a slow host, so the message is never held whole in memory.
public final class OutputChannel: PartialMessageSink, @unchecked Sendable {
    /// A message in parts waits for the host once this many bytes of it are unwritten.
    static let partBacklog = 1 << 20

    private let fd: Int32
    private let nonBlocking: Bool
    private let condition = NSCondition()
    private var queue: [UInt8] = []
    private var queueStart = 0
    private var corkDepth = 0
    private var broken = false
    private var closed = false
    /// The last byte written did not end a line: a host reading now would see half a message.
    private var midLine = false
    /// Stopping: no message may begin any more (see `finish`).
    private var finishing = false
    /// The pipe refused bytes: the background writer must wait for it and finish.
    private var needsDrain = false
    /// Threads waiting for the queue to empty (in `finish`, or a part waiting for the host);
    /// only they need a wake-up when it does.
    private var drainWaiters = 0
    /// The message being sent in parts, and the messages that wait for it to end.
    private var partialMessage: ObjectIdentifier?
    private var held: [UInt8] = []
    private var brokenHandler: (@Sendable () -> Void)?

    /// Starts writing to `fd`, which stays open for the life of the channel.
    public init(fd: Int32) {
        self.fd = fd
        var info = stat()
        let isStream = fstat(fd, &info) == 0 && ((info.st_mode & S_IFMT) == S_IFIFO || (info.st_mode & S_IFMT) == S_IFSOCK)
        if isStream {
            let flags = fcntl(fd, F_GETFL)
            nonBlocking = flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0
        } else {
            nonBlocking = false
        }
        if nonBlocking {
            let thread = Thread { [weak self] in self?.drainWhenWritable() }
            thread.name = "revstore-output"
            thread.start()
        }
    }

    /// Called once, from whichever thread sees it, when the host closed its end.
    public func onBrokenPipe(_ handler: @escaping @Sendable () -> Void) {
        condition.withLock { brokenHandler = handler }
    }

    /// Bytes accepted but not yet written.
    public var queuedBytes: Int { condition.withLock { queue.count - queueStart + held.count } }

    public func send(_ message: [UInt8]) {
        condition.lock()
        guard !broken, !finishing else { condition.unlock(); return }
        if partialMessage != nil {
            held.append(contentsOf: message)
            held.append(0x0A)
            condition.unlock()
            return
        }
        queue.append(contentsOf: message)
        queue.append(0x0A)
        let report = corkDepth == 0 ? writeQueued() : false
        condition.unlock()
        if report { reportBroken() }
    }

    public func sendPart(_ bytes: [UInt8], of message: ObjectIdentifier) {
        condition.lock()
        while let other = partialMessage, other != message, !broken, !finishing { condition.wait() }
        guard !broken, !finishing || partialMessage == message else { condition.unlock(); return }
        partialMessage = message
        queue.append(contentsOf: bytes)
        let report = writeQueued()  // a part leaves now, corked or not
        if queue.count - queueStart > Self.partBacklog, !report {
            drainWaiters += 1
            while queue.count > queueStart, !broken, !closed, partialMessage == message { condition.wait() }
            drainWaiters -= 1
        }
        condition.unlock()
        if report { reportBroken() }
    }

    public func endMessage(_ bytes: [UInt8]?, of message: ObjectIdentifier) {
        condition.lock()
        guard partialMessage == message else { condition.unlock(); return }
        partialMessage = nil
        if !broken {
            // Cut off, the message still ends its line, so the next message is framed.
            queue.append(contentsOf: bytes ?? [])
            queue.append(0x0A)
            queue.append(contentsOf: held)
        }
        held = []
        condition.broadcast()  // a message in parts may be waiting to start
        let report = corkDepth == 0 ? writeQueued() : false
        condition.unlock()
        if report { reportBroken() }
    }

    /// Holds messages back until the matching `uncork()`, so a burst of small replies leaves
    /// in one `write(2)`.
    public func cork() { condition.withLock { corkDepth += 1 } }

    public func uncork() {
        condition.lock()
        corkDepth -= 1
        let report = corkDepth == 0 ? writeQueued() : false
        condition.unlock()
        if report { reportBroken() }
    }

    /// Writes what is queued for a server that is stopping, in whole lines: every message until
    /// `beginBefore`; after that no message begins (those not yet begun are dropped), and a line
    /// already begun, even one still being made in parts, may finish until `endBefore`. One still
    /// unfinished then is ended where it stopped, as when reading its result fails. Returns
    /// whether everything went out.
    @discardableResult
    public func finish(beginBefore: Date, endBefore: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        drainWaiters += 1
        defer { drainWaiters -= 1 }
        if waitUntil(beginBefore, { $0.queue.count == $0.queueStart && $0.partialMessage == nil && $0.held.isEmpty }) { return true }
        finishing = true
        held = []
        if !midLine {
            // At a line's start: nothing queued has begun.
            queue.removeSubrange(queueStart...)
            partialMessage = nil
        } else if let newline = queue[queueStart...].firstIndex(of: 0x0A) {
            queue.removeSubrange((newline + 1)...)
            partialMessage = nil
        }  // else the line begun is the message in parts, which may still end
        condition.broadcast()  // senders waiting for their turn give up
        if waitUntil(endBefore, { $0.queue.count == $0.queueStart && $0.partialMessage == nil }) { return true }
        if partialMessage != nil {
            partialMessage = nil
            queue.append(0x0A)
            _ = writeQueued()
        }
        return broken || queue.count == queueStart
    }

    /// With the lock held: waits until `done` holds, the pipe broke or `deadline`; whether done.
    private func waitUntil(_ deadline: Date, _ done: (OutputChannel) -> Bool) -> Bool {
        while !done(self), !broken {
            if !condition.wait(until: deadline) { return done(self) || broken }
        }
        return true
    }

    /// Stops the background writer; queued bytes not yet written are dropped.
    public func close() {
        condition.withLock {
            closed = true
            condition.broadcast()
        }
    }

    // MARK: - Writing (called with the lock held)

    /// Writes as much of the queue as the descriptor takes now. Returns true when the pipe
    /// just broke and the handler must be told (outside the lock).
    private func writeQueued() -> Bool {
        while queue.count > queueStart {
            let written = queue.withUnsafeBytes { raw in
                write(fd, raw.baseAddress! + queueStart, raw.count - queueStart)
            }
            if written > 0 {
                queueStart += written
                midLine = queue[queueStart - 1] != 0x0A
                continue
            }
            let error = errno
            if written < 0, error == EINTR { continue }
            if written < 0, error == EAGAIN || error == EWOULDBLOCK {
                compactWrittenPrefix()
                if !needsDrain {
                    needsDrain = true
                    condition.broadcast()  // hand the rest to the background writer
                }
                return false
            }
            // EPIPE, or any other failure: the host is gone.
            broken = true
            queue = []
            queueStart = 0
            condition.broadcast()
            return true
        }
        if queueStart > 0 {
            queue.removeAll(keepingCapacity: queue.capacity <= 1 << 20)
            queueStart = 0
        }
        needsDrain = false
        if drainWaiters > 0 { condition.broadcast() }
        return false
    }

    /// Drops the written prefix once it dominates the queue, so a host that keeps up only
    /// partly does not leave the whole history in memory.
    private func compactWrittenPrefix() {
        if queueStart >= 1 << 16, queueStart * 2 >= queue.count {
            queue.removeSubrange(0..<queueStart)
            queueStart = 0
        }
    }

    private func reportBroken() {
        let handler = condition.withLock { () -> (@Sendable () -> Void)? in
            defer { brokenHandler = nil }
            return brokenHandler
        }
        handler?()
    }

    /// Background loop for a non-blocking descriptor: waits until the pipe can take more.
    private func drainWhenWritable() {
        condition.lock()
        while !closed {
            if broken || !needsDrain {
                condition.wait()
                continue
            }
            condition.unlock()
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&descriptor, 1, 100)
            condition.lock()
            if writeQueued() {
                condition.unlock()
                reportBroken()
                condition.lock()
            }
        }
        condition.unlock()
    }
}
