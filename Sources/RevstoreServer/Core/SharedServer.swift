import Foundation
import RevstoreEngine
import RevstoreJSONRPC

/// One server for every process that opens a store file with `--shared`.
///
/// Each host still spawns `revstore` and speaks to its stdin and stdout. That process hands
/// those two pipes to the store's shared server over a Unix socket and waits: the server reads
/// and writes the host's pipes itself, so a request costs what it costs unshared. The hosts'
/// writes then share one writer, one page cache and group commits, instead of taking turns at
/// SQLite's file lock.
///
/// The first process to find no server starts one. The server holds a lock file for as long as
/// it lives, so there is never more than one per store and settings; it closes the store and
/// exits when its last connection ends (before that connection's process exits, so a host that
/// closes the last connection finds the store closed), or after `idleLimit` with none.
public enum SharedServer {
    /// Where the server of one store, opened with given settings, listens, and its lock.
    public struct Address: Sendable {
        public let socketPath: String
        public let lockPath: String
    }

    /// Why a process could not reach a shared server.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// How long a server that no connection has reached waits before it exits.
    static let idleLimit: TimeInterval = 10
    /// How long a process tries to reach a server, starting one as needed, before it gives up.
    static let joinLimit: TimeInterval = 10
    /// The bytes a server writes to a process on its socket: that it took the process's pipes,
    /// then the exit code the connection ended with.
    static let acceptedByte: UInt8 = 0x41

    /// The address of the server of the store file at `storePath` opened with `settings`
    /// (every option that changes how it serves, as arguments): hosts share a server when both
    /// agree and run the same version of revstore (another version may speak otherwise).
    /// Addresses live in a directory only this user can enter: `$XDG_RUNTIME_DIR/revstore`, else
    /// `revstore-<uid>` in the temporary directory.
    public static func address(storePath: String, settings: [String]) throws(Failure) -> Address {
        let directory = try privateDirectory()
        let url = URL(fileURLWithPath: storePath)
        let parent = url.deletingLastPathComponent().path
        guard let resolved = realpath(parent, nil) else {
            throw Failure(description: "cannot open the store \(storePath): \(String(cString: strerror(errno)))")
        }
        defer { free(resolved) }
        let canonical = String(cString: resolved) + "/" + url.lastPathComponent
        // FNV-1a: stable across processes and runs, unlike Swift's seeded hashing.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in ([canonical, RevstoreServer.version] + settings).joined(separator: "\0").utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let name = String(hash, radix: 16)
        return Address(socketPath: "\(directory)/\(name).sock", lockPath: "\(directory)/\(name).lock")
    }

    private static func privateDirectory() throws(Failure) -> String {
        let environment = ProcessInfo.processInfo.environment
        let directory: String
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            directory = runtime + "/revstore"
        } else {
            let temporary = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
            directory = "\(temporary)/revstore-\(getuid())"
        }
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw Failure(description: "cannot make \(directory): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard lstat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_uid == getuid(),
              status.st_mode & 0o077 == 0
        else {
            throw Failure(description: "\(directory) must be a directory that only this user can use")
        }
        return directory
    }

    // MARK: The server

    /// Takes the server's lock, or returns nil when a server holds it (or a host starting one).
    /// The returned descriptor is the lock: it is released when every copy of it is closed, by
    /// the server or when it exits (a host passes it to the server it starts).
    public static func claim(_ address: Address) throws(Failure) -> Int32? {
        let fd = open(address.lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot open \(address.lockPath): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Serves every process that hands its pipes to `address`, holding the lock `claim`
    /// returned; calls `ready` once listening. Returns when the server is done, the store closed.
    public static func serve(context: ServerContext, address: Address, lock: Int32, transportOptions: StdioTransport.Options,
                             ready: () -> Void) throws(Failure) {
        unlink(address.socketPath)  // a server that died left it; the lock says none listens there
        let listener: Int32
        do {
            listener = try DescriptorHandoff.listening(at: address.socketPath)
        } catch {
            throw Failure(description: "cannot listen at \(address.socketPath): \(error.localizedDescription)")
        }
        var options = transportOptions
        options.stopsOnTerminationSignal = false
        let server = Server(context: context, address: address, listener: listener, lock: lock, transportOptions: options)
        TerminationSignal.onTerminate { server.stopAll() }
        ready()
        server.acceptConnections()
    }

    private final class Server: @unchecked Sendable {
        let context: ServerContext
        let address: Address
        let listener: Int32
        let lock: Int32
        let transportOptions: StdioTransport.Options
        let state = NSCondition()
        /// The transports serving, to stop them on SIGTERM.
        var transports: [ObjectIdentifier: StdioTransport] = [:]
        var connections = 0
        /// Connection threads still running, even past their connection's end.
        var threads = 0
        var everConnected = false
        var accepting = true
        var finished = false

        init(context: ServerContext, address: Address, listener: Int32, lock: Int32, transportOptions: StdioTransport.Options) {
            self.context = context
            self.address = address
            self.listener = listener
            self.lock = lock
            self.transportOptions = transportOptions
        }

        func acceptConnections() {
            let started = Date()
            while true {
                var ready = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
                let polled = poll(&ready, 1, 1000)
                let idle = state.withLock { accepting && connections == 0 && !everConnected && Date().timeIntervalSince(started) > idleLimit }
                if idle { stopAll() }
                if state.withLock({ finished }) { break }
                guard polled > 0, let socket = DescriptorHandoff.accepted(from: listener) else { continue }
                state.withLock { threads += 1 }
                let thread = Thread { [self] in
                    serve(socket)
                    state.withLock {
                        threads -= 1
                        state.broadcast()
                    }
                }
                thread.name = "revstore-shared"
                thread.stackSize = 4 << 20
                thread.start()
            }
            // Every process hears how its connection ended before this one exits.
            state.withLock { while threads > 0 { state.wait() } }
            close(listener)
        }

        /// Takes a process's pipes from `socket` and serves them until that host is done.
        private func serve(_ socket: Int32) {
            let pipes = (try? DescriptorHandoff.receive(from: socket, count: 2)) ?? []
            guard pipes.count == 2, state.withLock({ () -> Bool in
                guard accepting else { return false }
                connections += 1
                everConnected = true
                return true
            }) else {
                // Closing, or not a process handing over pipes: it starts another server or fails.
                pipes.forEach { close($0) }
                close(socket)
                return
            }
            var accepted = acceptedByte
            guard write(socket, &accepted, 1) == 1 else {
                pipes.forEach { close($0) }
                close(socket)
                end(nil)
                return
            }
            // The process shuts its end of the socket when it gets SIGTERM or its host dies.
            let watcherDone = DispatchSemaphore(value: 0)
            var watched: StdioTransport?
            let stopped = RevstoreServer.serveConnection(context: context, inputFD: pipes[0], outputFD: pipes[1],
                                                         transportOptions: transportOptions) { transport in
                watched = transport
                state.withLock { transports[ObjectIdentifier(transport)] = transport }
                let watcher = Thread {
                    var byte: UInt8 = 0
                    while read(socket, &byte, 1) < 0, errno == EINTR {}
                    transport.stop(.terminated)
                    watcherDone.signal()
                }
                watcher.name = "revstore-shared-watch"
                watcher.start()
            }
            pipes.forEach { close($0) }  // the host sees its output end here, not when this process does
            var code = UInt8(truncatingIfNeeded: RevstoreServer.exitCode(stopped))
            end(watched)
            _ = write(socket, &code, 1)
            shutdown(socket, Int32(SHUT_RDWR))
            watcherDone.wait()
            close(socket)
        }

        /// A connection ended: the last one closes the store before its process hears back.
        private func end(_ transport: StdioTransport?) {
            let last = state.withLock {
                if let transport { transports[ObjectIdentifier(transport)] = nil }
                connections -= 1
                guard connections == 0 else { return false }
                accepting = false
                return true
            }
            if last { finish() }
        }

        /// Stops every connection; with none, finishes at once.
        func stopAll() {
            let idle = state.withLock {
                accepting = false
                transports.values.forEach { $0.stop(.terminated) }
                return connections == 0
            }
            if idle { finish() }
        }

        /// Stops listening and closes the store, then lets another server start.
        private func finish() {
            let first = state.withLock {
                defer { finished = true }
                return !finished
            }
            guard first else { return }
            unlink(address.socketPath)
            shutdown(listener, Int32(SHUT_RDWR))
            context.store.close()
            close(lock)
        }
    }

    // MARK: The process a host starts

    /// Hands `inputFD` and `outputFD` to the shared server at `address`, starting one with
    /// `start` when none listens and none holds the lock, then waits until the server is done
    /// with them. This process takes the lock first and `start` passes it to the server, so of
    /// hosts starting at once one starts a server and the others wait for it to listen. `start`
    /// returns a descriptor that reads what the new server says about its start: nothing (then
    /// EOF) when it listens, else why it could not start.
    /// Returns the exit code of the host's connection.
    public static func join(_ address: Address, inputFD: Int32, outputFD: Int32, start: (_ lock: Int32) throws -> Int32) throws -> Int32 {
        let deadline = Date() + joinLimit
        var pause: useconds_t = 1_000
        var started = false
        while true {
            if let socket = try? DescriptorHandoff.connected(to: address.socketPath) {
                if (try? DescriptorHandoff.send([inputFD, outputFD], over: socket)) != nil, readByte(socket) == acceptedByte {
                    // The server holds the pipes now; a copy here would keep them open after it is done.
                    close(inputFD)
                    close(outputFD)
                    TerminationSignal.onTerminate { shutdown(socket, Int32(SHUT_WR)) }
                    guard let code = readByte(socket) else {
                        throw Failure(description: "the shared server at \(address.socketPath) stopped unexpectedly")
                    }
                    return Int32(code)
                }
                close(socket)  // a server closing down: the next one starts after it
            } else if !started, let lock = try claim(address) {
                let report: Int32
                do {
                    report = try start(lock)
                } catch {
                    close(lock)
                    throw error
                }
                close(lock)  // the server holds it now
                let message = readAll(report)
                close(report)
                // The server wrote its lines for the host, prefix and all: pass on what they say.
                if !message.isEmpty { throw Failure(description: message.replacingOccurrences(of: "revstore: ", with: "")) }
                started = true  // it listens now
                continue
            }
            started = false
            guard Date() < deadline else {
                throw Failure(description: "no shared server answered at \(address.socketPath) within \(Int(joinLimit)) s")
            }
            usleep(pause)
            pause = min(pause * 2, 10_000)
        }
    }

    private static func readByte(_ fd: Int32) -> UInt8? {
        var byte: UInt8 = 0
        while true {
            let count = read(fd, &byte, 1)
            if count == 1 { return byte }
            if count < 0, errno == EINTR { continue }
            return nil
        }
    }

    private static func readAll(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &chunk, chunk.count)
            if count > 0 {
                bytes += chunk[0..<count]
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
