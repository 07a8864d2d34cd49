import Foundation

/// Start-up plumbing that keeps stdout for protocol messages only.
public enum StandardStreams {
    /// Moves the real stdout to a private descriptor and points fd 1 at stderr, so a stray
    /// `print` anywhere in the process lands in the log, never in the protocol stream.
    /// Also ignores SIGPIPE: a vanished host shows up as `EPIPE` on write instead of killing
    /// the process. Call once, first thing.
    public static func claimStandardOutput() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let protocolFD = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
        precondition(protocolFD >= 0, "cannot duplicate standard output")
        fflush(nil)
        dup2(STDERR_FILENO, STDOUT_FILENO)
        return protocolFD
    }
}
