import CEpoll
import Support
#if canImport(Glibc)
import Glibc
#endif

/// Starting on a port that another process already listens on.
public struct AddressInUse: Error, Sendable, CustomStringConvertible {
    public let address: String

    public var description: String {
        "\(address) is already in use by another process: stop it, or listen on another port"
    }
}

/// A non-blocking TCP listener. Each event loop has its own, bound with SO_REUSEPORT to the
/// same address, so the kernel spreads new connections across loops without a shared accept lock.
struct ListeningSocket {
    let fd: Int32
    let port: Int

    /// Binds `host:port` (IPv4 dotted quad, or "::"/IPv6 literal). Port 0 picks a free port.
    static func bind(host: String, port: Int, backlog: Int32) throws -> ListeningSocket {
        let fd = try openSocket(host: host, reusePort: true)
        do {
            try bindAddress(fd, host: host, port: port)
            _ = try syscall("listen") { listen(fd, backlog) }
            return ListeningSocket(fd: fd, port: try boundPort(fd))
        } catch {
            Sys.close(fd)
            throw error
        }
    }

    /// Throws when something already listens on `host:port`. The loops' listeners share their port
    /// with SO_REUSEPORT, which would as gladly share it with a second server started by mistake
    /// (an old version still running, say) and split the traffic between them without a word; a
    /// socket without SO_REUSEPORT cannot bind there, so one is tried first.
    static func ensureFree(host: String, port: Int) throws {
        guard port != 0 else { return }
        let fd = try openSocket(host: host, reusePort: false)
        defer { Sys.close(fd) }
        do {
            try bindAddress(fd, host: host, port: port)
        } catch let error as SystemError where error.errno == EADDRINUSE {
            throw AddressInUse(address: "\(host):\(port)")
        }
    }

    private static func openSocket(host: String, reusePort: Bool) throws -> Int32 {
        let family = host.contains(":") ? AF_INET6 : AF_INET
        let fd = try syscall("socket") { socket(family, Int32(SOCK_STREAM.rawValue) | cepoll_sock_nonblock_cloexec(), 0) }
        var one: Int32 = 1
        do {
            _ = try syscall("setsockopt(SO_REUSEADDR)") {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            if reusePort {
                _ = try syscall("setsockopt(SO_REUSEPORT)") {
                    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size))
                }
            }
        } catch {
            Sys.close(fd)
            throw error
        }
        return fd
    }

    private static func bindAddress(_ fd: Int32, host: String, port: Int) throws {
        // `parsed`: what inet_pton said of `host` (1 when it is an address of the family).
        func bind<Address>(_ address: inout Address, parsed: Int32) throws {
            guard parsed == 1 else { throw SystemError(call: "inet_pton(\(host))", errno: EINVAL) }
            _ = try syscall("bind(\(host):\(port))") {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        Glibc.bind(fd, $0, socklen_t(MemoryLayout<Address>.size))
                    }
                }
            }
        }
        if host.contains(":") {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = in_port_t(UInt16(port).bigEndian)
            let parsed = inet_pton(AF_INET6, host, &addr.sin6_addr)
            try bind(&addr, parsed: parsed)
        } else {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            let parsed = inet_pton(AF_INET, host, &addr.sin_addr)
            try bind(&addr, parsed: parsed)
        }
    }

    private static func boundPort(_ fd: Int32) throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try syscall("getsockname") {
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
        }
        let family = storage.ss_family
        let raw: UInt16 = withUnsafePointer(to: &storage) { p in
            family == sa_family_t(AF_INET6)
                ? p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port }
                : p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port }
        }
        return Int(UInt16(bigEndian: raw))
    }

    /// First step of closing without resetting anyone: new handshakes are dropped (the client's
    /// SYN goes unanswered, it retries and then finds the port closed), while handshakes already
    /// under way still complete and queue for `accept()`.
    func refuseNewHandshakes() throws {
        _ = try syscall("setsockopt(SO_ATTACH_FILTER)") { cepoll_drop_new_handshakes(fd) }
    }

    /// Accepts one pending connection as a non-blocking socket with TCP_NODELAY; nil when none is pending.
    func accept() throws -> Int32? {
        while true {
            let accepted = Result { () throws(SystemError) in
                try syscall("accept4") { accept4(fd, nil, nil, cepoll_sock_nonblock_cloexec()) }
            }
            let c: Int32
            switch accepted {
            case .success(let fd): c = fd
            case .failure(let e) where e.errno == ECONNABORTED: continue  // the client gave up while queued
            case .failure(let e) where e.errno == EAGAIN || e.errno == EWOULDBLOCK: return nil
            case .failure(let e): throw e
            }
            var one: Int32 = 1
            // Without it a response may wait for the client's delayed ACK; the socket still works.
            _ = try? syscall("setsockopt(TCP_NODELAY)") {
                setsockopt(c, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            return c
        }
    }
}
