import Foundation

/// Calls back when the database file or its WAL changes, which is how commits by other
/// processes are noticed. On Linux it waits on inotify (no polling); everywhere, it also looks
/// once a second as a safety net. Bursts are coalesced: one callback per 2 ms at most.
final class FileWatcher: @unchecked Sendable {
    private let onChange: @Sendable () -> Void
    private var stopped = false
    private let lock = NSLock()

    init(databasePath: String, onChange: @escaping @Sendable () -> Void) {
        self.onChange = onChange
        let url = URL(fileURLWithPath: databasePath).standardizedFileURL
        let directory = url.deletingLastPathComponent().path
        let names: Set<String> = [url.lastPathComponent, url.lastPathComponent + "-wal"]
        let thread = Thread { [weak self] in self?.watch(directory: directory, names: names) }
        thread.name = "revstore-watcher"
        thread.start()
    }

    /// Ends the watching thread within a second.
    func stop() {
        lock.withLock { stopped = true }
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func watch(directory: String, names: Set<String>) {
        #if os(Linux)
        let fd = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
        let mask = UInt32(IN_MODIFY) | UInt32(IN_CREATE) | UInt32(IN_MOVED_TO) | UInt32(IN_CLOSE_WRITE)
        let watching = fd >= 0 && inotify_add_watch(fd, directory, mask) >= 0
        defer { if fd >= 0 { close(fd) } }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !isStopped {
            guard watching else {
                Thread.sleep(forTimeInterval: 1)
                onChange()
                continue
            }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 1000)
            guard ready > 0 else {
                if ready == 0 { onChange() }  // the once-a-second safety net
                continue
            }
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { continue }
            if Self.mentions(buffer[0..<count], names: names) {
                usleep(2_000)  // let a burst of writes settle into one callback
                _ = read(fd, &buffer, buffer.count)  // drain what arrived meanwhile (non-critical)
                onChange()
            }
        }
        #else
        while !isStopped {
            Thread.sleep(forTimeInterval: 0.05)
            onChange()
        }
        #endif
    }

    #if os(Linux)
    /// Whether any inotify record in `bytes` is about one of `names`.
    private static func mentions(_ bytes: ArraySlice<UInt8>, names: Set<String>) -> Bool {
        var offset = bytes.startIndex
        let header = MemoryLayout<inotify_event>.size
        while offset + header <= bytes.endIndex {
            let length = Int(bytes[offset + 12]) | Int(bytes[offset + 13]) << 8 | Int(bytes[offset + 14]) << 16 | Int(bytes[offset + 15]) << 24
            let nameStart = offset + header
            let nameEnd = min(nameStart + length, bytes.endIndex)
            let name = String(decoding: bytes[nameStart..<nameEnd].prefix { $0 != 0 }, as: UTF8.self)
            if names.contains(name) { return true }
            offset = nameStart + length
        }
        return false
    }
    #endif
}
