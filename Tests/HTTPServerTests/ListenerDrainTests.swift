@testable import HTTPServer
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The first step of closing a listener: new handshakes go unanswered, queued ones stay acceptable.
final class ListenerDrainTests: XCTestCase {
    func testRefusingNewHandshakesKeepsQueuedConnectionsAndDropsNewOnes() throws {
        let listener = try ListeningSocket.bind(host: "127.0.0.1", port: 0, backlog: 16)
        defer { close(listener.fd) }
        let queued = try RawClient(port: listener.port)  // handshake done, not yet accepted
        try listener.refuseNewHandshakes()

        let late = try nonBlockingConnect(port: listener.port)
        defer { close(late) }
        var pfd = pollfd(fd: late, events: Int16(POLLOUT), revents: 0)
        // The SYN is dropped, so the connect stays in progress (the first retry is 1 s away).
        XCTAssertEqual(poll(&pfd, 1, 300), 0, "a new handshake completed after refuseNewHandshakes()")

        let accepted = try XCTUnwrap(try listener.accept(), "the connection queued before was lost")
        defer { close(accepted) }
        XCTAssertNil(try listener.accept(), "the late connection reached the accept queue")

        queued.send("ping")
        var buffer = [UInt8](repeating: 0, count: 16)
        var readable = pollfd(fd: accepted, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&readable, 1, 5_000), 1)
        let n = read(accepted, &buffer, buffer.count)
        XCTAssertEqual(String(decoding: buffer.prefix(max(0, n)), as: UTF8.self), "ping")
    }

    private func nonBlockingConnect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        XCTAssertTrue(rc == 0 || errno == EINPROGRESS)
        XCTAssertNotEqual(rc, 0, "connect completed at once")
        return fd
    }
}

/// A port that something already listens on is an error at start, not silently shared.
final class ListenerPortInUseTests: XCTestCase {
    func testASecondServerOnTheSamePortIsRefusedWithAMessage() throws {
        let holder = try ListeningSocket.bind(host: "127.0.0.1", port: 0, backlog: 16)  // SO_REUSEPORT, as a running fraudscore's
        defer { close(holder.fd) }
        XCTAssertThrowsError(try ListeningSocket.ensureFree(host: "127.0.0.1", port: holder.port)) { error in
            XCTAssertEqual((error as? AddressInUse)?.address, "127.0.0.1:\(holder.port)")
            XCTAssertTrue("\(error)".contains("already in use by another process"), "\(error)")
        }
        var config = HTTPServerConfig()
        config.host = "127.0.0.1"
        config.port = holder.port
        config.threads = 2
        XCTAssertThrowsError(try HTTPServer(config: config, router: Router()).start())
    }

    func testAFreePortPasses() throws {
        let probe = try ListeningSocket.bind(host: "127.0.0.1", port: 0, backlog: 1)
        let port = probe.port
        close(probe.fd)
        XCTAssertNoThrow(try ListeningSocket.ensureFree(host: "127.0.0.1", port: port))
    }
}
