#if canImport(Glibc)
import Glibc
#endif

/// Outcome of a non-blocking read or write.
public enum IOResult: Equatable, Sendable {
    case bytes(Int)
    case wouldBlock
    case eof
}

/// recv(2) on a non-blocking socket; EAGAIN becomes `.wouldBlock`, 0 becomes `.eof`.
/// recv, not read: read(2) goes through the VFS layer (access checks, fsnotify) on every call,
/// which recv(2) skips.
@inlinable
public func nonBlockingRead(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult {
    while true {
        let n = recv(fd, buffer.baseAddress, buffer.count, 0)
        if n > 0 { return .bytes(n) }
        if n == 0 { return .eof }
        let e = errno
        if e == EINTR { continue }
        if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
        throw SystemError(call: "recv", errno: e)
    }
}

/// send(2) with MSG_NOSIGNAL so a closed peer yields EPIPE, not SIGPIPE.
@inlinable
public func nonBlockingWrite(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SystemError) -> IOResult {
    while true {
        let n = send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
        if n >= 0 { return .bytes(n) }
        let e = errno
        if e == EINTR { continue }
        if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
        throw SystemError(call: "send", errno: e)
    }
}
