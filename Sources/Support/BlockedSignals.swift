#if canImport(Glibc)
import Glibc
#endif

/// Signals blocked in every thread and taken by one with `sigwait`, in place of handlers, so that
/// shutdown runs as ordinary code on an ordinary thread. Block them before the first thread starts:
/// threads inherit the mask.
public struct BlockedSignals {
    private var set = sigset_t()

    /// Blocks `signals` for the calling thread (and the threads it starts after).
    public init(_ signals: [Int32]) throws(SystemError) {
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        let rc = pthread_sigmask(SIG_BLOCK, &set, nil)
        guard rc == 0 else { throw SystemError(call: "pthread_sigmask", errno: rc) }
    }

    /// Waits until one of the signals is pending and takes it.
    public func next() throws(SystemError) -> Int32 {
        var set = set
        var received: Int32 = 0
        let rc = sigwait(&set, &received)
        guard rc == 0 else { throw SystemError(call: "sigwait", errno: rc) }
        return received
    }
}
