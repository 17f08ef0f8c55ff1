import CEpoll
#if canImport(Glibc)
import Glibc
#endif

/// A wait that another thread can cut short: an eventfd polled with a timeout.
public final class WakeSignal: Sendable {
    private let fd: Int32

    public init() {
        fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
    }

    deinit { close(fd) }

    /// Returns after `timeoutMs`, or at once when signalled (the signal is consumed).
    public func wait(timeoutMs: Int) {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        if poll(&p, 1, Int32(timeoutMs)) > 0 {
            var value: UInt64 = 0
            _ = read(fd, &value, 8)
        }
    }

    public func signal() {
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
    }
}
