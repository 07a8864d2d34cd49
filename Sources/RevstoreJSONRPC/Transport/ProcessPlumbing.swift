import Foundation

/// Start-up plumbing for a process that serves JSON-RPC on its standard streams.
public enum ProcessPlumbing {
    /// Call once, first thing, before any thread is started. It:
    /// - moves the real stdout to a private descriptor and points fd 1 at stderr, so a stray
    ///   `print` anywhere in the process lands in the log, never in the protocol stream;
    /// - ignores SIGPIPE, so a vanished host shows up as `EPIPE` on write instead of a kill;
    /// - clears any signal mask inherited from the host (a host that spawns from a worker
    ///   thread may pass one that blocks SIGTERM) and catches SIGTERM from here on, so it
    ///   always stops the server cleanly, even during start-up.
    ///
    /// Returns the private descriptor for protocol output.
    public static func prepare() -> Int32 {
        var empty = sigset_t()
        sigemptyset(&empty)
        sigprocmask(SIG_SETMASK, &empty, nil)
        signal(SIGPIPE, SIG_IGN)
        TerminationSignal.install()
        let protocolFD = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
        precondition(protocolFD >= 0, "cannot duplicate standard output")
        fflush(nil)
        dup2(STDERR_FILENO, STDOUT_FILENO)
        return protocolFD
    }
}
