import Foundation

/// The single, serialized writer of protocol messages to a file descriptor.
///
/// Every message is appended whole to one queue and written from its head under one lock, so
/// two messages never interleave however large they are. On a pipe or socket the descriptor is
/// non-blocking: the sending thread writes what the pipe takes at once (no thread hop on the
/// fast path) and a background thread finishes the rest when the host reads again, so no
/// sender ever blocks on a slow host. `write(2)` is used directly (no stdio buffering), with
/// partial writes and `EINTR` handled. A broken pipe (`EPIPE`) drops the queue and reports it.
public final class OutputChannel: MessageSink, @unchecked Sendable {
    private let fd: Int32
    private let nonBlocking: Bool
    private let condition = NSCondition()
    private var queue: [UInt8] = []
    private var queueStart = 0
    private var corkDepth = 0
    private var broken = false
    private var closed = false
    /// The pipe refused bytes: the background writer must wait for it and finish.
    private var needsDrain = false
    /// Threads blocked in `flush`; only they need a wake-up when the queue empties.
    private var flushWaiters = 0
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
    public var queuedBytes: Int { condition.withLock { queue.count - queueStart } }

    public func send(_ message: [UInt8]) {
        condition.lock()
        guard !broken else { condition.unlock(); return }
        queue.append(contentsOf: message)
        queue.append(0x0A)
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

    /// Waits until everything queued is written (or the pipe broke); false on timeout.
    @discardableResult
    public func flush(before deadline: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        flushWaiters += 1
        defer { flushWaiters -= 1 }
        while queue.count > queueStart, !broken {
            if !condition.wait(until: deadline) { return queue.count == queueStart }
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
        if flushWaiters > 0 { condition.broadcast() }
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
