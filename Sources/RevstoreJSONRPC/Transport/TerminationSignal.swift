import Foundation

/// Turns SIGTERM into a call on an ordinary thread.
///
/// The handler is installed synchronously (a `DispatchSource` installs its own asynchronously,
/// and a SIGTERM arriving before that is lost). The signal handler itself only writes one byte
/// to a pipe, which is async-signal-safe; a dedicated thread reads it and calls the handler.
public enum TerminationSignal {
    private static let state = NSLock()
    nonisolated(unsafe) private static var handler: (@Sendable () -> Void)?
    /// SIGTERM came before any handler was registered; the first one registered runs at once.
    nonisolated(unsafe) private static var pending = false
    /// Written by the signal handler, which can reach only globals.
    nonisolated(unsafe) private static var pipeWriteFD: Int32 = -1

    /// Installs the signal handler; from then on a SIGTERM is never lost.
    public static func install() { _ = installed }

    /// Makes SIGTERM call `action` (replacing any earlier action). If a SIGTERM already came,
    /// `action` runs at once.
    public static func onTerminate(_ action: @escaping @Sendable () -> Void) {
        install()
        let fire = state.withLock {
            handler = action
            defer { pending = false }
            return pending
        }
        if fire { action() }
    }

    private static let installed: Void = {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        let readFD = fds[0]
        pipeWriteFD = fds[1]
        _ = fcntl(readFD, F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeWriteFD, F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeWriteFD, F_SETFL, fcntl(pipeWriteFD, F_GETFL) | O_NONBLOCK)

        let watcher = Thread {
            var byte: UInt8 = 0
            while true {
                let count = read(readFD, &byte, 1)
                if count < 0, errno == EINTR { continue }
                if count <= 0 { return }
                let action = state.withLock {
                    if handler == nil { pending = true }
                    return handler
                }
                action?()
            }
        }
        watcher.name = "revstore-sigterm"
        watcher.start()

        var action = sigaction()
        #if os(Linux)
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(TerminationSignal.pipeWriteFD, &byte, 1)
        }
        #else
        action.__sigaction_u.__sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(TerminationSignal.pipeWriteFD, &byte, 1)
        }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGTERM, &action, nil)
    }()
}
