import Foundation

/// Start-up plumbing for a process that serves JSON-RPC on its standard streams.
public enum ProcessPlumbing {
    /// Call once, first thing, before any thread is started. It:
    /// - moves the real stdout to a private descriptor and points fd 1 at stderr, so a stray
    ///   `print` anywhere in the process lands in the log, never in the protocol stream;
    /// - ignores SIGPIPE, so a vanished host shows up as `EPIPE` on write instead of a kill;
    /// - clears any signal mask inherited from the host (a host that spawns from a worker
    ///   thread may pass one that blocks SIGTERM) and catches SIGTERM from here on, so it
    ///   always stops the server cleanly, even during start-up;
    /// - watches the parent: when the host dies while another process still holds the pipes
    ///   (so stdin never ends), the server stops as on SIGTERM instead of living on under init.
    ///
    /// Returns the private descriptor for protocol output.
    public static func prepare() -> Int32 {
        prepareSignals()
        watchParent()
        let protocolFD = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
        precondition(protocolFD >= 0, "cannot duplicate standard output")
        fflush(nil)
        dup2(STDERR_FILENO, STDOUT_FILENO)
        return protocolFD
    }

    /// The signal set-up of `prepare` alone, for a process that serves descriptors handed to it
    /// rather than its own standard streams.
    public static func prepareSignals() {
        var empty = sigset_t()
        sigemptyset(&empty)
        sigprocmask(SIG_SETMASK, &empty, nil)
        signal(SIGPIPE, SIG_IGN)
        TerminationSignal.install()
    }

    /// Once a second (one cheap system call), asks whether the parent is still the one that
    /// started the process; when it is gone, sends this process SIGTERM.
    private static func watchParent() {
        let parent = getppid()
        let thread = Thread {
            while getppid() == parent { sleep(1) }
            kill(getpid(), SIGTERM)
        }
        thread.name = "revstore-parent-watch"
        thread.start()
    }
}
