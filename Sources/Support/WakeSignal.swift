import CEpoll
#if canImport(Glibc)
import Glibc
#endif

/// A wait that another thread can cut short: an eventfd, polled with a timeout.
public final class WakeSignal: Sendable {
    /// The eventfd; an event loop may also watch it with epoll.
    public let fd: Int32

    public init() throws(SystemError) {
        fd = try syscall("eventfd") { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
    }

    deinit { Sys.close(fd) }

    /// Returns after `timeoutMs`, or at once when signalled (the signal is consumed).
    public func wait(timeoutMs: Int) {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        if (try? syscall("poll") { poll(&p, 1, Int32(clamping: timeoutMs)) }) ?? 0 > 0 { consume() }
    }

    /// Clears a pending signal (after epoll reported the descriptor readable).
    public func consume() {
        var value: UInt64 = 0
        _ = try? syscall("read(eventfd)") { read(fd, &value, 8) }  // EAGAIN: already consumed
    }

    /// Wakes the waiter. Cannot fail short of a counter overflow, which would still leave it readable.
    public func signal() {
        var one: UInt64 = 1
        _ = try? syscall("write(eventfd)") { write(fd, &one, 8) }
    }
}
