#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: its name and errno.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public let call: String
    public let errno: Int32

    public var description: String { "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// Runs a system call, retrying on EINTR; a -1 result throws `SystemError` with the call's name.
@inline(__always)
func syscall<T: FixedWidthInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws -> T {
    while true {
        let r = body()
        if r != -1 { return r }
        let e = errno
        if e == EINTR { continue }
        throw SystemError(call: name(), errno: e)
    }
}

/// Outcome of a non-blocking read or write.
enum IOResult: Equatable {
    case bytes(Int)
    case wouldBlock
    case eof
}

/// read(2) on a non-blocking socket; EAGAIN becomes `.wouldBlock`, 0 becomes `.eof`.
func nonBlockingRead(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> IOResult {
    while true {
        let n = read(fd, buffer.baseAddress, buffer.count)
        if n > 0 { return .bytes(n) }
        if n == 0 { return .eof }
        let e = errno
        if e == EINTR { continue }
        if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
        throw SystemError(call: "read", errno: e)
    }
}

/// send(2) with MSG_NOSIGNAL so a closed peer yields EPIPE, not SIGPIPE.
func nonBlockingWrite(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws -> IOResult {
    while true {
        let n = send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
        if n >= 0 { return .bytes(n) }
        let e = errno
        if e == EINTR { continue }
        if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
        throw SystemError(call: "send", errno: e)
    }
}
