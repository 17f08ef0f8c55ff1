import CEpoll
#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: its name and errno.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public let call: String
    public let errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call) failed: \(reason) (errno \(errno))" }

    /// strerror's text for the errno, e.g. "No such file or directory".
    public var reason: String { String(cString: strerror(errno)) }
}

/// Runs a system call, retrying on EINTR; a -1 result throws `SystemError` with the call's name.
/// Every libc call the project makes goes through this or one of `Sys`'s wrappers, so none is
/// retried by hand and none has its failure ignored without saying so.
@inlinable
public func syscall<T: FixedWidthInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let r = body()
        if r != -1 { return r }
        let e = errno
        if e == EINTR { continue }
        throw SystemError(call: name(), errno: e)
    }
}

/// The calls whose use has a rule beyond `syscall`'s: close is never retried, writes loop until
/// everything is written, and file metadata comes back as a value.
public enum Sys {
    /// close(2). Not retried on EINTR: on Linux the descriptor is released whatever close returns.
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// shutdown(2) of the write side: the peer reads end of file after what was sent. A socket the
    /// peer has already reset fails with ENOTCONN, which changes nothing for the caller.
    public static func shutdownWrite(_ fd: Int32) {
        _ = try? syscall("shutdown") { Glibc.shutdown(fd, cepoll_shut_wr()) }
    }

    /// open(2) with O_CLOEXEC added.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(SystemError) -> Int32 {
        try syscall("open \(path)") { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    /// read(2) of at most `buffer.count` bytes; 0 at end of file.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        try syscall("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// write(2) until every byte is written.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var written = 0
        while written < bytes.count {
            written += try syscall("write") { Glibc.write(fd, bytes.baseAddress! + written, bytes.count - written) }
        }
    }

    /// stat(2); nil when the path does not exist or cannot be reached.
    public static func fileStatus(_ path: String) -> stat? {
        var st = stat()
        let rc: Int32? = try? syscall("stat \(path)") { stat(path, &st) }
        return rc != nil ? st : nil
    }

    public static func rename(_ from: String, _ to: String) throws(SystemError) {
        _ = try syscall("rename \(from) to \(to)") { Glibc.rename(from, to) }
    }

    /// unlink(2); a file already gone is not an error.
    public static func unlink(_ path: String) throws(SystemError) {
        do {
            _ = try syscall("unlink \(path)") { Glibc.unlink(path) }
        } catch where error.errno == ENOENT {
        }
    }

    /// mkdir(2); a folder that exists already is not an error.
    public static func mkdir(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        do {
            _ = try syscall("mkdir \(path)") { Glibc.mkdir(path, mode) }
        } catch where error.errno == EEXIST {
        }
    }

    /// Lowers the calling thread's scheduling priority to `nice` (Linux: the nice value of "process
    /// 0" is the calling thread's alone), so that background work yields the CPU to the event loops.
    public static func runInBackground(nice: Int32 = 10) {
        _ = try? syscall("setpriority") { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) }
    }

    /// Moves the calling thread to SCHED_IDLE: it runs only on a CPU nothing else wants, so work that
    /// may be dropped (shadow scoring) never takes time from the event loops.
    public static func runWhenIdle() {
        let schedIdle: Int32 = 5  // SCHED_IDLE in <bits/sched.h>, which Glibc exposes only under _GNU_SOURCE
        var param = sched_param()
        _ = try? syscall("sched_setscheduler") { sched_setscheduler(0, schedIdle, &param) }
    }

    /// Sleeps `milliseconds` (restarted in full if a signal interrupts it).
    public static func sleep(milliseconds: Int) {
        _ = try? syscall("poll") { poll(nil, 0, Int32(clamping: milliseconds)) }
    }

    /// The names in a folder, without "." and ".."; empty when it cannot be read.
    public static func listNames(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

extension Result {
    /// The error, if this is a failure.
    public var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
